"""The judgement benchmark reads real trackers: its classifier against what the running bot records."""
from __future__ import annotations

import pytest

from bench.judgement import Bot, run_one
from bench.judgement_classify import Behaviours
from bench.judgement_set import Item

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("text, expected", [
    ("hello", "small_talk"),
    ("I want to make a claim", "start_claim"),
    ("can I speak to a person", "offer_person"),
    ("what's the claim status of CLM-12345", "check_claim"),
])
def test_routine_first_messages_are_read_as_what_the_bot_did(running_stack, text, expected):
    env = running_stack.settings.env
    item = Item(id="E1", text=text, expected=(expected,), kind="plain", hard=False, why="", split="tune")
    result = run_one(Bot(env["RASA_URL"], env["RASA_TOKEN"], timeout=60), item, Behaviours.load())
    assert result.observed == expected, (result.names, result.replies)
    # Whether the score arrived depends on the machine's load (the e2e stack keeps the 2 s timeout); that it is
    # read from the real parse data does not.
    assert result.right and result.scored in (True, False) and result.replies
    assert result.events[0]["event"] == "user" and result.events[0]["text"] == text
