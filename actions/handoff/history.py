"""What the conversation so far says, read from the tracker's events."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker

from actions.escalation import Turn

MAX_TRANSCRIPT_CHARS = 4000


def _emotion(event: dict[str, Any]) -> dict[str, Any] | None:
    emotion = (event.get("parse_data") or {}).get("emotion")
    if isinstance(emotion, dict) and emotion.get("available") and "intensity" in emotion:
        return emotion
    return None


def message_emotion(event: dict[str, Any]) -> dict[str, Any]:
    """What the scorer read in one customer message, for the agent's live emotion timeline."""
    emotion = _emotion(event)
    if not emotion:
        return {}
    return {"intensity": emotion["intensity"], "emotion": emotion.get("dominant"), "band": emotion.get("band")}


def user_events(tracker: Tracker) -> list[dict[str, Any]]:
    return [event for event in tracker.events if event.get("event") == "user"]


def turns(tracker: Tracker) -> list[Turn]:
    """Customer messages of the current session, oldest first, as the escalation decision reads them."""
    session: list[Turn] = []
    for event in tracker.events:
        if event.get("event") == "session_started":
            session = []
        elif event.get("event") == "user":
            intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
            session.append(Turn(text=event.get("text") or "", intent=intent, score=_emotion(event)))
    return session


def transcript(tracker: Tracker) -> list[dict[str, Any]]:
    """Every message the customer wrote and was shown, in order, with each message's emotion."""
    entries: list[dict[str, Any]] = []
    for event in tracker.events:
        kind = event.get("event")
        if kind == "user" and event.get("text"):
            emotion = _emotion(event)
            entry = {"sender": "customer", "text": event["text"][:MAX_TRANSCRIPT_CHARS],
                     "timestamp": event.get("timestamp")}
            if emotion:
                entry.update(intensity=emotion["intensity"], emotion=emotion.get("dominant"))
            entries.append(entry)
        elif kind == "bot" and event.get("text"):
            sender = "agent" if (event.get("metadata") or {}).get("from_human") else "bot"
            entry = {"sender": sender, "text": event["text"][:MAX_TRANSCRIPT_CHARS], "timestamp": event.get("timestamp")}
            # The console shows a customer line that is one of these payloads as the button's title.
            buttons = [{"title": str(b.get("title", ""))[:200], "payload": str(b.get("payload", ""))[:500]}
                       for b in (event.get("data") or {}).get("buttons") or [] if isinstance(b, dict)]
            if buttons:
                entry["buttons"] = buttons[:10]
            entries.append(entry)
    return entries


def emotion_timeline(tracker: Tracker) -> list[dict[str, Any]]:
    timeline = []
    for index, event in enumerate(user_events(tracker)):
        emotion = _emotion(event)
        if emotion:
            timeline.append({"turn": index, "timestamp": event.get("timestamp"),
                             "intensity": emotion["intensity"], "emotion": emotion.get("dominant"),
                             "band": emotion.get("band")})
    return timeline


def user_turns_since_intent(tracker: Tracker, intent: str) -> int | None:
    """How many customer messages came after the last one with ``intent`` (None if never)."""
    count = 0
    for event in reversed(user_events(tracker)):
        if ((event.get("parse_data") or {}).get("intent") or {}).get("name") == intent:
            return count
        count += 1
    return None


def last_bot_action(tracker: Tracker) -> str | None:
    """The last action the bot ran before the latest customer message."""
    seen_user = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            seen_user = True
        elif seen_user and event.get("event") == "action" and event.get("name") not in (
                "action_listen", "action_extract_slots"):
            return event.get("name")
    return None


def offer_made(tracker: Tracker) -> bool:
    """Whether the bot has offered a person in this session (so "no thanks" can be an answer to it)."""
    for event in reversed(tracker.events):
        if event.get("event") == "session_started":
            return False
        if event.get("event") == "action" and event.get("name") == "action_offer_handoff":
            return True
    return False


def message_the_offer_answered(tracker: Tracker) -> dict[str, Any] | None:
    """The customer's message that led to the latest offer of a person (None without an offer)."""
    offered = False
    for event in reversed(tracker.events):
        if event.get("event") == "session_started":
            return None
        if event.get("event") == "action" and event.get("name") == "action_offer_handoff":
            offered = True
        elif offered and event.get("event") == "user":
            return event
    return None


def input_channel(tracker: Tracker) -> str:
    return tracker.get_latest_input_channel() or "unknown"
