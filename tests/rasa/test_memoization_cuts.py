"""rasa_addons/memoization_cuts.py: the memoization policy asks memory what Rasa's truncation asks, in its order."""
from __future__ import annotations

import pytest

from tests.conftest import run_model_probe


@pytest.fixture(scope="module")
def probed() -> dict:
    return run_model_probe("memoization_cuts_probe.py", "60")


def test_the_questions_and_answers_are_rasas(probed):
    assert probed["compared"] > 800
    assert probed["differ"] == 0
    assert probed["asked"] > 2 * probed["compared"]  # most truncations ask about several cuts
    assert probed["matched"] > 100  # the early return after a match is part of the comparison


def test_the_conversations_slots_are_left_as_they_were(probed):
    # Cut trackers hold the conversation's own slot objects instead of reset copies; asking about every cut leaves
    # every slot's value and "has been set" as it was (hundreds of them set by the conversations' events).
    assert probed["slots_set"] > 500
    assert probed["slots_changed"] == 0


def test_cuts_continue_their_walks_in_a_cache_of_their_own(probed):
    assert probed["capacities"] == [64, 128]
    assert probed["continued"] > probed["walked"] > 0
    assert probed["conversation_walks"] == 0  # cuts never reach the conversations' cache


def test_installed_once_the_policy_uses_it(probed):
    assert probed["installed"] == [True, False]
    assert probed["uses_ours"] is True
