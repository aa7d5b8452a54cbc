"""The ticket the agent opens: everything the customer already told the bot, so they never repeat it."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker

from actions.handoff import history

# Slots worth showing the agent (what the bot collected), not the bot's own bookkeeping.
DETAIL_SLOTS = ("customer_name", "policy_number", "claim_reference", "product", "incident_type",
                "incident_date", "incident_description", "emotion_tone", "callback_phone", "callback_time")


def ticket_payload(tracker: Tracker, decision: dict[str, Any], mode: str) -> dict[str, Any]:
    timeline = history.emotion_timeline(tracker)
    latest = timeline[-1] if timeline else {}
    reasons = [f"{decision.get('trigger', 'explicit_request')}"
               + (f" ({decision['category']})" if decision.get("category") else "")
               + f": \u201c{(decision.get('words') or '')[:150]}\u201d"]
    slots = {name: tracker.get_slot(name) for name in DETAIL_SLOTS if tracker.get_slot(name) not in (None, "")}
    slots["escalation"] = decision
    payload: dict[str, Any] = {
        "conversation_id": tracker.sender_id,
        "channel": history.input_channel(tracker)[:64],
        "customer_first_name": tracker.get_slot("customer_name"),
        "reasons": reasons,
        "priority": decision.get("priority", "normal"),
        "intensity": latest.get("intensity"),
        "dominant_emotion": latest.get("emotion"),
        "emotion_timeline": [{k: v for k, v in point.items() if v is not None} for point in timeline],
        "slots": slots,
        "transcript": [{k: v for k, v in entry.items() if v is not None} for entry in history.transcript(tracker)],
        "preferred_mode": mode,
        "trigger": decision.get("trigger"),
        "trigger_words": (decision.get("words") or "")[:2000] or None,
    }
    if mode == "callback":
        payload["callback_phone"] = tracker.get_slot("callback_phone")
        payload["callback_time"] = tracker.get_slot("callback_time")
    return {key: value for key, value in payload.items() if value is not None}
