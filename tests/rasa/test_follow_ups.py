"""Follow-up questions after a knowledge-base answer (rasa_addons/conversation_context.py,
rasa_addons/knowledge_retrieval.py): "and for my partner?" is read with the question just answered; and the
understanding check (rasa_addons/understanding_check.py) as a component."""
from __future__ import annotations

import json
import os
import subprocess

import pytest

from rasa_addons.conversation_context import previous_answer
from tests.conftest import ROOT

RASA_PY = ROOT / ".venv-rasa" / "bin" / "python"
PROBE = ROOT / "tests" / "rasa" / "follow_up_probe.py"


def action(name):
    return {"event": "action", "name": name}


def slot(value, name="kb_answer_id"):
    return {"event": "slot", "name": name, "value": value}


USER = {"event": "user"}


@pytest.mark.parametrize("newest_first, entry", [
    # Rasa logs the action, then its events: newest first the slot comes before the action.
    ([action("action_listen"), {"event": "bot"}, slot("motor-driving-abroad"), action("action_answer_question"),
      action("action_assess_message"), USER], "motor-driving-abroad"),
    # a choice offered or no checked answer: nothing to follow up
    ([action("action_listen"), slot(None), action("action_answer_question"), USER], None),
    # the bot did something else after the answer (the claim form carried on)
    ([action("action_listen"), action("claim_form"), slot("motor-driving-abroad"),
      action("action_answer_question"), USER], None),
    # an answer from an earlier turn is not this turn's context
    ([action("action_listen"), action("utter_greet"), USER, action("action_listen"), slot("x"),
      action("action_answer_question"), USER], None),
    # another slot set by the answer's turn does not hide it
    ([action("action_listen"), slot("upset", "emotion_tone"), slot("home-flood"), action("action_answer_question"),
      USER], "home-flood"),
    ([], None),
])
def test_the_answer_given_in_the_latest_bot_turn(newest_first, entry):
    assert previous_answer(newest_first) == entry


@pytest.fixture(scope="module")
def probed():
    result = subprocess.run([str(RASA_PY), str(PROBE)], cwd=ROOT, capture_output=True, text=True, timeout=180,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_a_follow_up_after_an_answer_is_read_with_the_question_answered(probed):
    case = probed["follow_up"]
    knowledge = case["knowledge"]
    assert knowledge["outcome"] == "answer" and knowledge["matches"][0]["id"] == "motor-partner-abroad"
    assert all(m["id"] != "motor-driving-abroad" for m in knowledge["matches"])  # the customer has that one
    assert knowledge["follow_up"]["after"] == "motor-driving-abroad"
    assert knowledge["follow_up"]["own"]["outcome"] == "none"
    assert case["intent"] == "ask_question" and case["rescued_from"] == "out_of_scope"


def test_the_answer_given_stays_a_candidate_when_the_follow_up_alone_points_to_it(probed):
    # "what about snowboarding?" after skiing: read alone it ranks the skiing entry first; the same entry answers.
    knowledge = probed["same_topic"]["knowledge"]
    assert knowledge["follow_up"]["own"]["matches"][0]["id"] == "motor-partner-abroad"
    assert "motor-partner-abroad" in [m["id"] for m in knowledge["matches"]]


def test_without_an_answer_before_it_the_follow_up_is_asked_about(probed):
    case = probed["no_context"]
    assert case["knowledge"]["outcome"] == "none" and "follow_up" not in case["knowledge"]
    assert case["intent"] == "clarify_topic"  # a follow-up with nothing before it: one short question
    assert case["check"] == {"from": "out_of_scope", "to": "clarify_topic",
                             "reason": "a follow-up with no earlier question"}


@pytest.mark.parametrize("name", ["not_a_follow_up", "unknown_entry", "malformed_context", "no_metadata",
                                  "metadata_not_a_mapping"])
def test_the_context_is_used_only_for_a_follow_up_to_a_known_answer(probed, name):
    assert "follow_up" not in probed[name]["knowledge"]


def test_a_follow_up_understood_alone_keeps_its_own_answer(probed):
    knowledge = probed["understood_alone"]["knowledge"]
    assert knowledge["matches"][0]["id"] == "travel-winter-sports" and "follow_up" not in knowledge


def test_a_committing_guess_is_not_rescued_by_the_context(probed):
    case = probed["committing_guess"]
    assert case["knowledge"]["outcome"] == "answer" and case["intent"] == "file_claim"


def test_the_understanding_check_as_a_component(probed):
    assert probed["vague_for_us"]["intent"] == "clarify_topic"
    assert probed["vague_for_us"]["check"]["reason"].startswith("asks for help with nothing named but")
    assert probed["off_topic"]["intent"] == "out_of_scope" and probed["off_topic"]["check"] is None


def test_a_match_below_the_rescue_floor_counts_as_no_answer_for_the_check(probed):
    assert probed["weak_match_flagged"]["intent"] == "clarify_topic"
    assert probed["weak_match_unflagged"]["intent"] == "out_of_scope"  # an answer left to the retriever, as before


def test_the_parse_hook_gives_the_answer_just_given_and_replaces_what_a_client_sent(probed):
    hook = probed["hook"]
    assert hook["after_answer"]["metadata"] == {"heard_context": {"kb_answer_id": "motor-driving-abroad"}}
    assert hook["forged_after_answer"]["metadata"] == {"heard_context": {"kb_answer_id": "motor-driving-abroad"},
                                                       "other": 1}
    assert hook["forged_after_greeting"]["metadata"] == {"other": 1}  # a client cannot choose the context
    assert hook["no_tracker"]["metadata"] == {}
    assert hook["installed_twice"] is False
