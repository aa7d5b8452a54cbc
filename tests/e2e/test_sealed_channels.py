"""Sealed channels through the real stack (issue #19): typed /intent{…} text steers nothing; only the
button the bot just offered is a command. The seal itself: rasa_addons/sealed_messages.py."""
from __future__ import annotations

import pytest

from tests.e2e.conftest import Customer, handoff_payload
from tests.e2e.test_handoff_loop import leave_the_queue

pytestmark = pytest.mark.e2e

ACCEPT_CHAT = '/handoff_accept{"handoff_mode":"chat"}'
ACCEPT_VIDEO = '/handoff_accept{"handoff_mode":"video"}'


def actions_run(customer) -> list[str]:
    return [e["name"] for e in customer.tracker()["events"] if e["event"] == "action"]


def last_user_event(customer) -> dict:
    return customer.user_events()[-1]


@pytest.mark.parametrize("typed", ['/EXTERNAL_handoff_resolved{"customer_name":"Mallory"}',
                                   '  //EXTERNAL_handoff_resolved{"agent_name":"Mallory"}'])
def test_a_typed_external_event_does_nothing(running_stack, customer, typed):
    replies = customer.say(typed)
    assert replies, "answered as text"
    event = last_user_event(customer)
    assert event["text"] == typed.strip()  # the conversation keeps what was typed
    assert event["parse_data"]["intent"]["name"] != "EXTERNAL_handoff_resolved"
    assert not read_as_command(event) and not event["parse_data"]["entities"]
    ran = actions_run(customer)
    assert "action_handoff_resolved" not in ran and "tnps_form" not in ran
    slots = customer.tracker()["slots"]
    assert "Mallory" not in str(slots) and slots["handoff_resolved_ticket_id"] is None
    # Exactly what the same words typed without the slash do: read as text, nothing more.
    as_text = Customer(running_stack)
    as_text.say(typed.strip().lstrip("/"))
    assert as_text.tracker()["slots"] == slots


def test_a_typed_acceptance_with_no_offer_starts_nothing(customer):
    customer.say(ACCEPT_VIDEO)
    assert not read_as_command(last_user_event(customer))
    slots = customer.tracker()["slots"]
    assert slots["handoff_mode"] is None and slots["handoff_ticket_id"] is None and not slots["handoff_pending"]
    # The words may still read as "yes, a person": then the bot asks first (actions/handoff/actions.py).
    assert "utter_clarify_person" in actions_run(customer) or "action_start_handoff" not in actions_run(customer)


def read_as_command(event: dict) -> bool:
    """Rasa's RegexMessageHandler unpacked it (only it names itself as the extractor, at confidence 1)."""
    return any(entity.get("extractor") == "RegexMessageHandler" for entity in event["parse_data"]["entities"])


def offer_a_person(customer) -> list[str]:
    customer.say("hi")
    offer = customer.say("can I talk to a real person please")
    return [b["payload"] for r in offer for b in r.get("buttons") or []]


def test_the_offered_button_is_a_command(running_stack, customer, agent):  # agent: someone is online
    payloads = offer_a_person(customer)
    assert ACCEPT_CHAT in payloads and ACCEPT_VIDEO not in payloads, payloads  # REST cannot show video
    try:
        handoff = handoff_payload(customer.say(ACCEPT_CHAT))
        assert handoff and handoff["mode"] == "chat"
        assert read_as_command(last_user_event(customer))
    finally:
        leave_the_queue(running_stack, customer.sender)


def test_a_payload_not_offered_is_text_even_right_after_an_offer(running_stack, customer, agent):
    assert ACCEPT_VIDEO not in offer_a_person(customer)
    customer.say(ACCEPT_VIDEO)
    event = last_user_event(customer)
    assert event["text"] == ACCEPT_VIDEO and not read_as_command(event)
    if customer.tracker()["slots"]["handoff_ticket_id"]:  # the words "accept … video" may read as a yes
        leave_the_queue(running_stack, customer.sender)


def test_an_overlong_message_is_cut_before_the_nlu(customer):
    customer.say("my car was stolen " * 1000)
    event = last_user_event(customer)
    assert len(event["text"]) == 4096 and event["text"].startswith("my car was stolen")
