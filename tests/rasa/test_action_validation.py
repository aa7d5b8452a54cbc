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
