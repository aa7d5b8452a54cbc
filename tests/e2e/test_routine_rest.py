"""Routine conversations through the REST channel, against the real processes."""
from __future__ import annotations

import httpx
import pytest

pytestmark = pytest.mark.e2e


def test_rasa_http_api_refuses_calls_without_its_token_while_chat_stays_public(running_stack, customer):
    rasa = running_stack.settings.env["RASA_URL"]
    assert customer.say("hello")  # the chat channel needs no token
    for method, path in [("GET", f"/conversations/{customer.sender}/tracker"),
                         ("POST", f"/conversations/{customer.sender}/tracker/events"),
                         ("POST", "/model/parse")]:
        refused = httpx.request(method, rasa + path, json={"event": "pause"}, timeout=10)
        assert refused.status_code == 401, (path, refused.status_code)
        wrong = httpx.request(method, rasa + path, params={"token": "wrong"},
                              json={"event": "pause"}, timeout=10)
        assert wrong.status_code == 401, (path, wrong.status_code)
    # Nothing was appended by the refused calls.
    assert not any(e["event"] == "pause" for e in customer.tracker()["events"])


def test_every_customer_message_is_scored_and_stored_in_the_tracker(customer):
    turns = ["hi", "I want to file a claim", "MOT-100001",
             "my car was stolen last night and I'm really upset", "what are your opening hours?"]
    for text in turns:
        customer.say(text)
    user_events = customer.user_events()
    assert [e["text"] for e in user_events] == turns
    for event in user_events:
        emotion = event["parse_data"]["emotion"]
        assert emotion["available"] is True, event["text"]
        assert 0.0 <= emotion["intensity"] <= 1.0
        assert emotion["dominant"] in {*emotion["emotions"], "neutral"}
    intensities = [e["parse_data"]["emotion"]["intensity"] for e in user_events]
    assert intensities[3] > intensities[0]


def test_distressed_message_sets_the_tone_slot(customer):
    customer.say("I reported the water damage THREE WEEKS ago and nobody has called me. This is ridiculous.")
    slots = customer.tracker()["slots"]
    assert slots["emotion_tone"] in ("distressed", "upset")


def test_a_sarcastic_complaint_is_answered_as_a_complaint_not_as_praise(customer):
    customer.say("Great, just great. Another letter saying my claim is under review. Fantastic service as always.")
    emotion = customer.user_events()[-1]["parse_data"]["emotion"]
    assert any(cue.startswith("sarcasm:") for cue in emotion["cues"]), emotion["cues"]
    assert customer.tracker()["slots"]["emotion_tone"] in ("distressed", "upset")


def test_first_name_from_channel_metadata_is_used(customer_named):
    customer = customer_named("Priya")
    replies = " ".join(customer.say_texts("hi"))
    assert "Priya" in replies


@pytest.mark.parametrize("text", ["", "   ", "x" * 10_000, "😡😡😡", "我的车被偷了", "مرحبا",
                                   "<script>alert(1)</script>", "\x00\x07 hello \x1b[31m"])
def test_bad_input_gets_an_answer_and_nothing_crashes(customer, text):
    response = customer.client.post("/webhooks/rest/webhook",
                                    json={"sender": customer.sender, "message": text})
    assert response.status_code == 200, response.text[:500]
    # The conversation still works afterwards.
    assert customer.say_texts("what are your opening hours?")


def test_markup_in_a_name_is_not_reflected_back(customer_named):
    customer = customer_named("<b>Priya</b><script>x()</script>")
    replies = " ".join(customer.say_texts("hi"))
    assert "<script>" not in replies and "<b>" not in replies
