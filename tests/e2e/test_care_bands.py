"""Graded care end to end: each message opens a fresh conversation on the real stack (issue #16's examples)."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e

SAFETY = ("999", "116 123")


def actions_run(customer) -> list[str]:
    return [e["name"] for e in customer.tracker()["events"] if e["event"] == "action"]


def band_of(customer) -> str:
    emotion = customer.user_events()[-1]["parse_data"]["emotion"]
    assert emotion.get("available") is True and "band" in emotion, emotion
    return emotion["band"]


@pytest.mark.parametrize("text", ["this looks staged lol", "gutted my team lost :(",
                                  "my mate said he'd kill me if I crashed his car lol"])
def test_light_remarks_get_no_safety_script_and_no_offer(customer, text):
    replies = " ".join(customer.say_texts(text))
    assert not any(line in replies for line in SAFETY), replies
    assert "frightening" not in replies and band_of(customer) == "mild"
    assert "action_offer_handoff" not in actions_run(customer)
    assert customer.tracker()["slots"]["emotion_tone"] in ("mild", "positive")


def test_quiet_low_mood_gets_the_gentle_check_in(customer):
    replies = customer.say_texts("I just feel numb lately")
    assert band_of(customer) == "distressed" and "utter_check_in" in actions_run(customer)
    assert replies and "talk to" in replies[0] and replies[0].endswith("?"), replies
    text = " ".join(replies)
    assert not any(line in text for line in SAFETY) and "not the service" not in text
    customer.say("yes please")  # yes to talking to someone: a person is offered
    assert actions_run(customer)[-2:] == ["action_offer_handoff", "action_listen"]


def test_a_plainly_angry_message_is_upset_and_never_no_problem(customer):
    replies = customer.say_texts("Absolutely unacceptable.")
    assert band_of(customer) == "upset" and customer.tracker()["slots"]["emotion_tone"] == "upset"
    assert replies and not any(reply.startswith("No problem") for reply in replies), replies


@pytest.mark.parametrize("text", ["he's outside the house right now and threatening me",
                                  "I don't see the point of anything any more"])
def test_a_real_risk_said_quietly_gets_the_safety_lines_first(customer, text):
    replies = customer.say_texts(text)
    assert band_of(customer) == "at_risk" and customer.tracker()["slots"]["emotion_tone"] == "at_risk"
    assert replies and "999" in replies[0], replies
