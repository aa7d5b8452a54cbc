"""The action Rasa runs on every customer message (through a custom slot mapping).

``action_extract_slots`` calls it before the bot predicts its reply, in every state — greeting,
mid-form, during a handoff — so it is the one place that turns the message's emotion score (added
to the parse data by the ``EmotionScorer`` NLU component) into the ``emotion_tone`` slot that picks
validating or plain reply variants.
"""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

TONE_SLOT = "emotion_tone"
TONES = ("distressed", "upset", "neutral", "positive")


def latest_emotion(tracker: Tracker) -> dict[str, Any] | None:
    """The latest message's emotion score, or None when the scorer was unavailable."""
    emotion = (tracker.latest_message or {}).get("emotion")
    if not isinstance(emotion, dict) or not emotion.get("available", True):
        return None
    return emotion


class ActionAssessMessage(Action):
    def name(self) -> str:
        return "action_assess_message"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        emotion = latest_emotion(tracker)
        tone = emotion.get("tone") if emotion else None
        if tone not in TONES:
            # Unknown feelings are not assumed: plain (never cheerful) variants are the default.
            tone = "neutral"
        if tracker.get_slot(TONE_SLOT) == tone:
            return []
        return [SlotSet(TONE_SLOT, tone)]
