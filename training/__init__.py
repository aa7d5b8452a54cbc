"""Tools that build the emotion model (fine-tuning, data, metrics). Not imported by the running action server."""
