"""One client module per external system, each with its own timeouts."""
