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
