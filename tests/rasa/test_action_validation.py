"""rasa_addons/action_validation.py judges action server responses exactly as Rasa does, schema checked once."""
from __future__ import annotations

import pytest

from tests.conftest import run_rasa_probe


@pytest.fixture(scope="module")
def probed() -> dict:
    return run_rasa_probe("action_validation_probe.py")


def test_same_verdict_and_message_as_rasa_for_every_response(probed):
    assert probed["ours"] == probed["rasa"]
    assert probed["rasa"]["valid"] == probed["rasa"]["empty"] == "ok"
    invalid = [name for name, verdict in probed["rasa"].items() if verdict.startswith("error")]
    assert sorted(invalid) == ["event_without_name", "events_not_a_list", "responses_not_a_list"]
    assert all("Failed to validate Action server response" in probed["ours"][name] for name in invalid)


def test_the_schema_is_not_checked_again_per_response(probed):
    assert probed["schema_checks"] == 0


def test_installing_twice_is_a_no_op(probed):
    assert probed["installed"] == [True, False]


def test_random_responses_get_rasas_verdict_and_valid_ones_the_shortcut(probed):
    # Responses of 0-6 events of eleven kinds, a third with one field broken, some with odd "responses" or "events".
    random = probed["random"]
    assert random["compared"] == 600 and random["differ"] == 0
    assert 100 < random["refused"] < 300  # every refused response went through the full schema, as its error shows
    assert random["shortcut"] == random["compared"] - random["refused"]  # every accepted one was shown so
    assert len(random["kinds"]) >= 11 and "nope" in random["kinds"]
    assert probed["branches"] == 23  # one single-branch validator per kind of event in Rasa's schema
