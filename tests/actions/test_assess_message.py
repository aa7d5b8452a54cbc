"""action_assess_message on a message the intent classifier read as an answer to an offer of a person."""
from __future__ import annotations

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

from actions.turn import ActionAssessMessage
from tests.actions.helpers import user_event

pytestmark = pytest.mark.anyio

DISTRESSED = {"available": True, "intensity": 0.86, "valence": -0.95, "tone": "distressed", "dominant": "sadness",
              "is_english": True, "language": "en", "emotions": {"sadness": 0.9, "fear": 0.6},
              "cues": ['fear words: "haven\'t slept"', 'damage to home: "since the fire"'],
              "band": "distressed", "band_reasons": ['distress words: "haven\'t slept"'], "check_in": False}
TEXT = "Sorry to bother you, I know you're busy, but I haven't slept since the fire and I don't know what to do."
OFFERED = [user_event("hello", "greet"), {"event": "action", "name": "action_offer_handoff", "timestamp": 1763780100.5},
           {"event": "action", "name": "action_listen", "timestamp": 1763780100.6},
           user_event("no thanks", "handoff_decline"),
           {"event": "action", "name": "action_handoff_declined", "timestamp": 1763780100.7},
           {"event": "action", "name": "action_listen", "timestamp": 1763780100.8}]


def slot_values(events) -> dict:
    return {event["name"]: event["value"] for event in events if event.get("event") == "slot"}


async def test_a_distressed_message_misread_as_a_decline_is_still_assessed(make_tracker, dispatcher, domain):
    tracker = make_tracker(text=TEXT, intent="handoff_decline", emotion=DISTRESSED,
                           slots={"emotion_tone": "distressed"})
    slots = slot_values(await ActionAssessMessage().run(dispatcher, tracker, domain))
    assert slots["handoff_trigger"] == "high_intensity"
    assert slots["handoff_decision"]["words"] == "I haven't slept since the fire and I don't know what to do."


async def test_an_answer_to_an_offer_is_not_assessed_again(make_tracker, dispatcher, domain):
    offer_just_made = OFFERED[:3]
    tracker = make_tracker(text=TEXT, intent="handoff_decline", emotion=DISTRESSED, history=offer_just_made,
                           slots={"emotion_tone": "distressed"})
    assert await ActionAssessMessage().run(dispatcher, tracker, domain) == []


async def test_after_a_real_decline_the_cooldown_holds(make_tracker, dispatcher, domain):
    tracker = make_tracker(text="this is all so much", intent="inform", emotion=DISTRESSED, history=OFFERED,
                           slots={"emotion_tone": "distressed", "handoff_declines": 1})
    assert "handoff_trigger" not in slot_values(await ActionAssessMessage().run(dispatcher, tracker, domain))


async def test_a_decline_before_any_offer_starts_no_cooldown(make_tracker, dispatcher, domain):
    misread = [user_event("sorry, I know you're busy", "handoff_decline"),
               {"event": "action", "name": "action_handoff_declined", "timestamp": 1763780100.7},
               {"event": "action", "name": "action_listen", "timestamp": 1763780100.8}]
    tracker = make_tracker(text=TEXT, intent="inform", emotion=DISTRESSED, history=misread,
                           slots={"emotion_tone": "distressed"})
    assert slot_values(await ActionAssessMessage().run(dispatcher, tracker, domain))["handoff_trigger"] == "high_intensity"


async def test_a_waiting_customer_at_risk_is_relayed_with_crisis_lines(make_tracker, dispatcher, domain, db_session,
                                                                       monkeypatch):
    """While paused the bot cannot speak; the relay asks the handoff service to send the crisis lines."""
    from sqlalchemy import select

    from actions.handoff import outbox
    from actions.handoff.outbox import HandoffWork

    async def not_now(conversation_id):  # delivery itself is tested with the service (tests/e2e)
        return None

    monkeypatch.setattr(outbox, "flush", not_now)
    for text in ["is anyone there?", "I can't go on like this"]:
        tracker = make_tracker(text=text, intent="inform", slots={"customer_name": "Priya"})
        state = tracker.current_state()
        state["events"][-1]["message_id"] = f"id of {text}"  # two messages (Rasa gives each its own id)
        tracker = Tracker.from_dict({**state, "paused": True})  # a person owns the conversation
        assert await ActionAssessMessage().run(dispatcher, tracker, domain) == [SlotSet("emotion_tone", "mild")]
    plain, risk = db_session.scalars(select(HandoffWork).order_by(HandoffWork.id)).all()
    assert plain.payload["urgent_notice"] is None
    assert risk.payload["text"] == "I can't go on like this"
    assert "Priya" in risk.payload["urgent_notice"] and "116 123" in risk.payload["urgent_notice"]
    assert dispatcher.messages == []  # the bot itself stays silent while a person owns the conversation


@pytest.mark.parametrize("text, cancels", [("stop, I don't want to wait any more", True),
                                            ("I can't go on like this", False)])
async def test_a_wish_to_stop_cancels_the_wait_unless_the_customer_is_at_risk(make_tracker, dispatcher, domain,
                                                                             db_session, monkeypatch, text, cancels):
    from sqlalchemy import select

    from actions.handoff import outbox
    from actions.handoff.outbox import HandoffWork

    async def not_now(conversation_id):
        return None

    monkeypatch.setattr(outbox, "flush", not_now)
    tracker = make_tracker(text=text, intent="stop", slots={"customer_name": "Priya"})  # read as stop at 0.9
    tracker = Tracker.from_dict({**tracker.current_state(), "paused": True})
    await ActionAssessMessage().run(dispatcher, tracker, domain)
    [relay] = db_session.scalars(select(HandoffWork)).all()
    assert relay.payload["cancel_if_waiting"] is cancels
    assert (relay.payload["urgent_notice"] is None) is cancels


@pytest.mark.parametrize("intent", ["handoff_decline", "deny", "tnps_score"])
async def test_a_risk_of_self_harm_is_assessed_even_as_an_answer_to_an_offer(make_tracker, dispatcher, domain,
                                                                             intent):
    offer_just_made = OFFERED[:3]
    tracker = make_tracker(text="no thanks, I just want to end it all", intent=intent, emotion=DISTRESSED,
                           history=offer_just_made, slots={"emotion_tone": "distressed"})
    slots = slot_values(await ActionAssessMessage().run(dispatcher, tracker, domain))
    assert slots["handoff_trigger"] == "vulnerability" and slots["handoff_decision"]["category"] == "self_harm"


async def test_messages_the_action_server_missed_during_a_handover_are_relayed_first_in_order(
        make_tracker, dispatcher, domain, db_session, monkeypatch):
    """rasa_addons/relay_retry.py calls again after an action-server restart: nothing missed, nothing twice."""
    from sqlalchemy import select

    from actions.handoff import outbox
    from actions.handoff.outbox import HandoffWork

    async def not_now(conversation_id):
        return None

    monkeypatch.setattr(outbox, "flush", not_now)
    before = user_event("I need a person", "handoff_request")
    pause = {"event": "pause", "timestamp": 1763780101.0}
    relayed = {**user_event("is anyone there?", "inform"), "message_id": "m1"}
    missed = [{**user_event(text, "inform"), "message_id": f"m{n}"}
              for n, text in [(2, "my claim is CLM-1234"), (3, "it was the kitchen")]]
    outbox.enqueue_relay("test-customer", "is anyone there?", "m1")  # relayed before the action server went down
    tracker = make_tracker(text="are you still there?", intent="inform", history=[before, pause, relayed, *missed])
    tracker = Tracker.from_dict({**tracker.current_state(), "paused": True})
    await ActionAssessMessage().run(dispatcher, tracker, domain)
    texts = [work.payload["text"] for work in db_session.scalars(select(HandoffWork).order_by(HandoffWork.id))]
    assert texts == ["is anyone there?", "my claim is CLM-1234", "it was the kitchen", "are you still there?"]
    await ActionAssessMessage().run(dispatcher, tracker, domain)  # the same call again (a retry): nothing new
    assert len(db_session.scalars(select(HandoffWork)).all()) == 4


async def test_a_relayed_message_carries_the_emotion_the_scorer_read(make_tracker, dispatcher, domain, db_session,
                                                                     monkeypatch):
    """The agent's emotion timeline grows with each message while they talk (issue #20)."""
    from sqlalchemy import select

    from actions.handoff import outbox
    from actions.handoff.outbox import HandoffWork

    async def not_now(conversation_id):
        return None

    monkeypatch.setattr(outbox, "flush", not_now)
    for emotion in (DISTRESSED, None):
        tracker = make_tracker(text=TEXT, intent="inform", emotion=emotion)
        state = tracker.current_state()
        state["events"][-1]["message_id"] = f"id {emotion is None}"  # two messages (Rasa gives each its own id)
        tracker = Tracker.from_dict({**state, "paused": True})
        await ActionAssessMessage().run(dispatcher, tracker, domain)
    scored, unscored = db_session.scalars(select(HandoffWork).order_by(HandoffWork.id)).all()
    assert scored.payload["emotion"] == {"intensity": 0.86, "emotion": "sadness", "band": "distressed"}
    assert unscored.payload["emotion"] == {}


async def test_the_relay_sends_the_emotion_with_the_message(monkeypatch):
    from actions.clients.handoff import HandoffClient

    sent = []

    async def fake_request(self, method, path, json=None):
        sent.append(json)
        return {}

    monkeypatch.setattr(HandoffClient, "_request", fake_request)
    client = HandoffClient()
    await client.relay_customer_message("c", "hi", "e1", emotion={"intensity": 0.4, "emotion": None, "band": "upset"})
    await client.relay_customer_message("c", "hi", "e2")
    assert sent[0] == {"text": "hi", "external_id": "e1", "acknowledge": True, "urgent_notice": None,
                       "intensity": 0.4, "band": "upset"}
    assert sent[1] == {"text": "hi", "external_id": "e2", "acknowledge": True, "urgent_notice": None}


def test_the_transcript_keeps_the_bots_buttons_and_the_timeline_the_band(make_tracker):
    from actions.handoff import history

    offer = {"event": "bot", "text": "Would you like a person?", "timestamp": 1763780101.0,
             "data": {"buttons": [{"title": "Video call", "payload": '/handoff_accept{"handoff_mode":"video"}'}]}}
    tracker = make_tracker(text=TEXT, intent="inform", emotion=DISTRESSED, history=[user_event("hello", "greet"), offer])
    turns = history.transcript(tracker)
    bot = [t for t in turns if t["sender"] == "bot" and t["text"] == "Would you like a person?"]
    assert bot and bot[0]["buttons"] == [{"title": "Video call", "payload": '/handoff_accept{"handoff_mode":"video"}'}]
    assert all("buttons" not in t for t in turns if t["sender"] == "customer")
    assert history.emotion_timeline(tracker)[-1]["band"] == "distressed"


AT_RISK_BY_MEANING = {**DISTRESSED, "band": "at_risk", "band_reasons": [],
                      "risk_meaning": {"kind": "at_risk", "category": "self_harm", "p": 0.97,
                                       "nearest": "I've given my cat to my sister because I won't be here to look after her"}}
QUIET_GOODBYE = "I've sorted homes for the dog and the cat now, so that's everything"


async def test_a_risk_read_by_meaning_is_assessed_even_as_an_answer_to_an_offer(make_tracker, dispatcher, domain):
    tracker = make_tracker(text=QUIET_GOODBYE, intent="handoff_decline", emotion=AT_RISK_BY_MEANING,
                           history=OFFERED[:3], slots={"emotion_tone": "at_risk"})
    slots = slot_values(await ActionAssessMessage().run(dispatcher, tracker, domain))
    assert slots["handoff_trigger"] == "vulnerability"
    assert slots["handoff_decision"]["category"] == "self_harm"
    assert slots["handoff_decision"]["words"] == AT_RISK_BY_MEANING["risk_meaning"]["nearest"]


async def test_a_waiting_customer_at_risk_by_meaning_is_relayed_with_crisis_lines(make_tracker, dispatcher, domain,
                                                                                  db_session, monkeypatch):
    from sqlalchemy import select

    from actions.handoff import outbox
    from actions.handoff.outbox import HandoffWork

    async def not_now(conversation_id):
        return None

    monkeypatch.setattr(outbox, "flush", not_now)
    for emotion in (DISTRESSED, AT_RISK_BY_MEANING):  # the same words: only the reading by meaning differs
        tracker = make_tracker(text=QUIET_GOODBYE, intent="stop", emotion=emotion, slots={"customer_name": "Priya"})
        state = tracker.current_state()
        state["events"][-1]["message_id"] = f"id {emotion['band']}"  # two messages (Rasa gives each its own id)
        await ActionAssessMessage().run(dispatcher, Tracker.from_dict({**state, "paused": True}), domain)
    plain, risk = db_session.scalars(select(HandoffWork).order_by(HandoffWork.id)).all()
    assert plain.payload["urgent_notice"] is None and plain.payload["cancel_if_waiting"] is True
    assert "116 123" in risk.payload["urgent_notice"] and risk.payload["cancel_if_waiting"] is False
