"""Components that run inside the Rasa (Python 3.10) process.

They stay small: the heavy lifting (emotion model, escalation rules) lives in the action server,
which runs on its own Python 3.11 runtime.
"""
