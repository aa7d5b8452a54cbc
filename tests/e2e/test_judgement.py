"""Judgement on whole turns, against the real processes (issue #16): evidence before commitment, another
company's problem, a chase, a day said as a plan, an acceptance with nothing offered."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e

RELATIONS = "customer relations"


def actions_run(customer) -> list[str]:
    return [e["name"] for e in customer.tracker()["events"] if e["event"] == "action"]


def bot_responses(customer) -> list[str]:
    return [(e.get("metadata") or {}).get("utter_action") for e in customer.tracker()["events"] if e["event"] == "bot"]


def test_another_companys_card_decline_is_theirs_kindly(customer):
    text = " ".join(customer.say_texts("my card was declined at the shop"))
    assert "utter_other_company" in bot_responses(customer)
    assert RELATIONS not in text and "not the service you should get" not in text
    assert "claim_form" not in actions_run(customer) and customer.tracker()["slots"]["handoff_trigger"] is None


def test_a_chase_owns_the_wait_and_opens_no_claim_form(customer):
    text = " ".join(customer.say_texts("I sent all my documents for my claim ten days ago and heard nothing"))
    assert "waiting" in text or "heard from us" in text
    ran = actions_run(customer)
    assert "action_check_claim_status" in ran and "claim_form" not in ran
    assert not (customer.tracker().get("active_loop") or {}).get("name")


@pytest.mark.parametrize("message", ["what happens if my car is stolen?", "I'd sooner lose the car than the house"])
def test_a_what_if_starts_nothing(customer, message):
    customer.say(message)
    ran = actions_run(customer)
    assert "claim_form" not in ran and "action_acknowledge_claim" not in ran and "action_start_handoff" not in ran
    # Asked about, or answered from the vetted knowledge base: either way nothing is recorded or started.
    assert any(name and (name.startswith("utter_clarify_") or name == "utter_kb_answer")
               for name in bot_responses(customer))
    slots = customer.tracker()["slots"]
    assert slots["incident_type"] is None and slots["incident_date"] is None


def test_a_question_about_moving_insurer_is_not_the_cancellation_answer(customer):
    customer.say("I'm thinking of moving to another insurer, how do I do that?")
    # The switching answer, from the rule or from the knowledge base's switching entries.
    answer = bot_responses(customer)[-1]
    assert answer == "utter_switching_insurer" or (
        answer == "utter_kb_answer" and customer.tracker()["slots"]["kb_answer_id"].startswith("general-switch"))


def test_a_typed_acceptance_with_nothing_offered_asks_first(customer):
    customer.say('/handoff_accept{"handoff_mode":"video"}')
    ran = actions_run(customer)
    assert "utter_clarify_person" in ran and customer.tracker()["slots"]["handoff_ticket_id"] is None
    customer.say("yes please")
    assert "action_offer_handoff" in actions_run(customer)
