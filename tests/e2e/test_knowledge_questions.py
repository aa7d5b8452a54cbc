"""The long tail through the real stack: general questions the bot used to miss ("I didn't catch that", a
product blurb, a claim started) are answered from the knowledge base with the source, and nothing is
started; an off-topic question gets the honest answer, not a guess."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e

STARTED_FLOWS = {"claim_form", "action_acknowledge_claim", "action_start_handoff", "callback_form",
                 "utter_cancel_policy"}

LONG_TAIL = [
    ("Can my partner drive my car on my policy?", "motor-partner-driving", "Motor policy booklet, section 1.1"),
    ("Is my bike covered when I'm on holiday?", "home-bike-on-holiday", "Home policy booklet, section 3.4"),
    ("Do I need to tell you about a speeding fine?", "motor-speeding-fine", "Motor policy booklet, section 9.1"),
    ("Is it worth claiming for a small scratch?", "motor-small-scratch", "Motor policy booklet, section 5.1"),
]


def _actions(tracker: dict) -> list[str]:
    return [e["name"] for e in tracker["events"] if e["event"] == "action"]


@pytest.mark.parametrize("question, entry_id, source", LONG_TAIL)
def test_a_long_tail_question_is_answered_with_its_source_and_nothing_is_started(customer, question, entry_id,
                                                                                 source):
    replies = " ".join(customer.say_texts(question))
    tracker = customer.tracker()
    assert tracker["slots"]["kb_answer_id"] == entry_id, (replies, tracker["latest_message"]["intent"])
    assert source in replies
    assert "action_answer_question" in _actions(tracker)
    assert not STARTED_FLOWS & set(_actions(tracker)), _actions(tracker)
    assert tracker["active_loop"] in ({}, None) or not tracker["active_loop"].get("name")


def test_an_off_topic_question_is_not_answered_from_the_knowledge_base(customer):
    customer.say_texts("what's the best way to cook a turkey?")
    tracker = customer.tracker()
    assert not tracker["slots"].get("kb_answer_id")
    assert not STARTED_FLOWS & set(_actions(tracker))


def test_a_question_about_their_own_excess_uses_their_policy(customer):
    asked = " ".join(customer.say_texts("what's my excess on MOT-318402?"))
    assert "£350" not in asked  # the policyholder's figures only after the identity check (issue #19)
    customer.say("14/03/1988")  # Priya's date of birth and postcode (README, "Demo records")
    replies = " ".join(customer.say_texts("LS6 2AB"))
    assert "£350" in replies
    assert not customer.tracker()["slots"].get("kb_answer_id")


def test_a_question_during_a_claim_is_answered_and_not_taken_as_an_answer(customer):
    customer.say_texts("my car was stolen last night")
    before = customer.tracker()
    if (before.get("active_loop") or {}).get("name") != "claim_form":
        # A person may be offered first (distress); the claim form is what this test is about.
        customer.say_texts("no thanks")
    assert (customer.tracker().get("active_loop") or {}).get("name") == "claim_form"
    replies = " ".join(customer.say_texts("Do I get a courtesy car?"))
    tracker = customer.tracker()
    assert tracker["slots"]["kb_answer_id"] == "motor-courtesy-car", replies
    assert "Motor policy booklet, section 4.1" in replies
    assert (tracker.get("active_loop") or {}).get("name") == "claim_form"
    for slot in ("customer_name", "policy_number", "incident_description"):
        assert "courtesy" not in str(tracker["slots"].get(slot) or "")
