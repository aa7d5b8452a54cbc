"""Runs Heard's three processes together: the action server, the handoff service and Rasa."""
