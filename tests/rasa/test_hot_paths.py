"""rasa_addons/hot_paths.py: event classes and slot copies as Rasa makes them, with less work."""
from __future__ import annotations

import pytest

from tests.conftest import run_rasa_probe


@pytest.fixture(scope="module")
def probed() -> dict:
    return run_rasa_probe("hot_paths_probe.py")


def test_same_class_for_every_type_name_and_same_answers_for_unknown_ones(probed):
    assert probed["ours"] == probed["rasa"]
    assert probed["rasa"]["user"] == "UserUttered" and probed["rasa"]["topic"] == "None"
    assert probed["rasa"]["unknown with default"] == "UserUttered"
    assert probed["rasa"]["unknown"] == "Unknown event name 'no_such_event'."


def test_known_names_are_not_looked_up_again(probed):
    assert probed["installed"] == [True, False]
    assert probed["walks_for_100_events"] == 0
    assert probed["read_back"] == ["ActionExecuted", "UserUttered"]


def test_every_slot_of_the_domain_is_copied_as_rasa_copies_it(probed):
    assert probed["slots"] >= 29 and probed["direct_copy"] is True
    assert probed["our_copies"] == probed["rasa_copies"]
    assert all(independent for _, _, independent in probed["our_copies"].values())


def test_a_conversation_has_the_same_dialogue_states(probed):
    assert probed["same_states"] is True


def test_applied_events_are_rasas_on_random_conversations(probed):
    applied = probed["applied"]
    assert applied["compared"] > 4000
    assert applied["differ"] == 0
    assert applied["undone"] > 1000  # prefixes where a rewind, a restart or a new session left events out
    assert applied["loop_undone"] > 50  # a form's repeated runs undone
    assert probed["applied_installed"] is True
