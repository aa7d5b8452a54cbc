"""The action Rasa runs on every customer message (through a custom slot mapping).

``action_extract_slots`` calls it before the bot predicts its reply, in every state — greeting,
mid-form, during a handoff, even while the conversation is paused for a person — so it is the one
place that

- turns the message's care band (``emotion["band"]``, set by the scorer and added to the parse data by
  the ``EmotionScorer`` NLU component) into the ``emotion_tone`` slot that picks the reply variants:
  mild (plain), upset (validation), distressed (validation, a person offered), at_risk, or positive;
- verifies a logged-in website customer from the signed chat session (``verified_customer``);
- decides whether a person should take over (``handoff_trigger`` / ``handoff_decision``; the
  ``EscalationPolicy`` in Rasa then runs the offer);
- while a person owns the conversation, relays the message to them (the bot stays silent).

Only ``SlotSet`` events survive ``action_extract_slots``, so everything else happens through the
handoff service and its outbox.
"""
from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.escalation import decide_conversation
from actions.emotion.risk import risk_words
from actions.escalation.settings import THRESHOLDS
from actions.handoff import history, outbox
from actions.handoff.wording import crisis_notice
from actions.identity.web_identity import website_identity_events
from actions.session import channel_name_events

logger = logging.getLogger(__name__)

TONE_SLOT = "emotion_tone"
TONES = ("mild", "upset", "distressed", "at_risk", "positive")
# The customer is answering an offer of a person here, not telling the bot how they feel about their case.
# Without an offer to answer, these intents are a pre-emptive "no" or, more often, a misread message
# ("Sorry to bother you, I know you're busy, but…"), and the message is assessed like any other.
ANSWER_INTENTS = {"handoff_accept", "handoff_decline"}
NO_DECISION_INTENTS = {"EXTERNAL_handoff_resolved", "EXTERNAL_handoff_abandoned"}
NO_DECISION_LOOPS = {"tnps_form", "callback_form"}
CANCEL_WAIT_INTENTS = {"stop", "cancel_handoff"}


def latest_emotion(tracker: Tracker) -> dict[str, Any] | None:
    """The latest message's emotion score, or None when the scorer was unavailable."""
    emotion = (tracker.latest_message or {}).get("emotion")
    if not isinstance(emotion, dict) or not emotion.get("available", True):
        return None
    return emotion


def tone_for_band(emotion: dict[str, Any] | None) -> str:
    """The slot value: the care band, or "positive" for a clearly positive mild message."""
    band = emotion.get("band") if emotion else None
    if band not in TONES:
        # Unknown feelings are not assumed: plain (never cheerful) variants are the default.
        return "mild"
    return "positive" if band == "mild" and emotion.get("tone") == "positive" else band


def tone_events(tracker: Tracker) -> list[EventType]:
    tone = tone_for_band(latest_emotion(tracker))
    return [] if tracker.get_slot(TONE_SLOT) == tone else [SlotSet(TONE_SLOT, tone)]


def escalation_events(tracker: Tracker) -> list[EventType]:
    intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
    offered = history.offer_made(tracker)
    if risk_words((tracker.latest_message or {}).get("text") or "", latest_emotion(tracker)):
        # Whatever the moment (answering an offer, mid-survey, a request already kept): crisis lines now.
        decision = decide_conversation(history.turns(tracker), THRESHOLDS)
        if decision is not None:
            return [SlotSet("handoff_trigger", decision.trigger), SlotSet("handoff_decision", decision.as_dict())]
    if (intent in NO_DECISION_INTENTS or (intent in ANSWER_INTENTS and offered)
            or tracker.active_loop_name in NO_DECISION_LOOPS or tracker.get_slot("handoff_pending")
            or history.last_bot_action(tracker) == "action_offer_handoff"):
        return []
    declines = int(tracker.get_slot("handoff_declines") or 0)
    decision = decide_conversation(
        history.turns(tracker), THRESHOLDS, declines=declines,
        turns_since_decline=history.user_turns_since_intent(tracker, "handoff_decline") if offered else None,
    )
    if decision is None:
        return []
    return [SlotSet("handoff_trigger", decision.trigger), SlotSet("handoff_decision", decision.as_dict())]


def _since_handover(tracker: Tracker) -> list[dict[str, Any]]:
    """The customer's messages since the conversation was last paused for a person, oldest first.

    Without the pause among the events Rasa sent, only the latest message (as before any catch-up)."""
    since: list[dict[str, Any]] | None = None
    latest: list[dict[str, Any]] = []
    for event in tracker.events:
        if event.get("event") == "pause":
            since = []
        elif event.get("event") == "user" and event.get("text"):
            latest = [event]
            if since is not None:
                since.append(event)
    return latest if since is None else since


def _external_id(tracker: Tracker, event: dict[str, Any]) -> str:
    return event.get("message_id") or f"{tracker.sender_id}:{event.get('timestamp')}"


async def relay_to_person(tracker: Tracker) -> None:
    """Hand the message to the agent (kept in the outbox until the handoff service has it).

    Messages of this handover that were never relayed (the action server was down when they came,
    rasa_addons/relay_retry.py) go first, in order.
    """
    waiting = _since_handover(tracker)
    if not waiting:
        return
    relayed = outbox.relayed_ids(tracker.sender_id)
    for event in waiting:
        external_id = _external_id(tracker, event)
        if external_id in relayed:
            continue
        intent = ((event.get("parse_data") or {}).get("intent") or {})
        # Waiting for a person must not mean waiting for crisis lines: the service sends them and moves the
        # ticket to the front of the queue.
        # The score carries the reading by meaning (risk_words falls back to it when no risk phrase matches).
        urgent_notice = crisis_notice(tracker.get_slot("customer_name")) if risk_words(
            event["text"], (event.get("parse_data") or {}).get("emotion")) else None
        # "I can't go on like this" reads as a wish to stop (0.76): a customer at risk is never dropped from the queue.
        cancel = (intent.get("name") in CANCEL_WAIT_INTENTS and float(intent.get("confidence") or 0) >= 0.6
                  and urgent_notice is None)
        outbox.enqueue_relay(tracker.sender_id, event["text"], external_id, cancel_if_waiting=cancel,
                             urgent_notice=urgent_notice, emotion=history.message_emotion(event))
    await outbox.flush(tracker.sender_id)


class ActionAssessMessage(Action):
    def name(self) -> str:
        return "action_assess_message"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        # A logged-in website customer is verified by the insurer's site (actions/identity/web_identity.py).
        events = tone_events(tracker) + channel_name_events(tracker) + website_identity_events(tracker)
        if tracker.is_paused():
            await relay_to_person(tracker)
            return events
        return events + escalation_events(tracker)
