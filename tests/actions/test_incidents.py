"""find_incident_type: the customer's words to the incident a claim records and the bot names."""
from __future__ import annotations

import pytest

from actions.insurance.incidents import find_incident_type


@pytest.mark.parametrize("text, incident", [
    ("my car was broken into last night and they took my laptop", "theft"),   # a vehicle: not a burglary
    ("someone broke into my van and took the tools", "theft"),
    ("the car's been broken into again", "theft"),
    ("our house was broken into while we were away", "burglary"),
    ("we've been burgled", "burglary"),
    ("a pipe burst under the sink", "burst pipe"),
    ("someone reversed into my car in the car park", "car accident"),  # found in a trial chat, session 6
    ("a van backed into me at the lights", "car accident"),
    ("he went into the back of me on the roundabout", "car accident"),
    ("nothing happened, just asking", None),
    ("", None),
])
def test_the_incident_is_read_from_the_words(text, incident):
    found = find_incident_type(text)
    assert (found.name if found else None) == incident
