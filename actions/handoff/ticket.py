"""The ticket the agent opens: everything the customer already told the bot, so they never repeat it."""
from __future__ import annotations

from typing import Any

import logging

from rasa_sdk import Tracker
from sqlalchemy.exc import SQLAlchemyError

from actions.handoff import history
from actions.identity import gate
from actions.identity import service as identity
from actions.insurance.db import session_scope

logger = logging.getLogger(__name__)

# Slots worth showing the agent (what the bot collected), not the bot's own bookkeeping. The tone slot is
# left out: it describes only the latest message (often "yes please"), the emotion timeline tells the story.
DETAIL_SLOTS = ("customer_name", "policy_number", "claim_reference", "product", "incident_type",
                "incident_date", "incident_description", "callback_phone", "callback_time")
# What the agent reads first: why the bot handed over, in words, not trigger codes.
TRIGGER_LABELS = {
    "explicit_request": "Asked for a person",
    "vulnerability": "Vulnerable customer",
    "unsupported_language": "Writes in a language the bot does not support",
    "complex_case": "Complex case",
    "high_intensity": "Strong emotion in one message",
    "rising_distress": "Distress rising over the conversation",
    "sustained_distress": "Distress sustained over several messages",
    "loop": "The bot was going round in circles",
    "identity_check": "Could not confirm who they are in chat",
}
REASON_CHARS = 200  # the handoff service's limit per reason


def _clip(text: str, limit: int = REASON_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def ticket_reasons(decision: dict[str, Any]) -> list[str]:
    """"Strong emotion in one message: “…”", then the signals behind it, for the agent to read at a glance."""
    trigger = decision.get("trigger") or "explicit_request"
    label = TRIGGER_LABELS.get(trigger, trigger.replace("_", " ").capitalize())
    category = str(decision.get("category") or "").replace("_", " ")
    if category:
        label += f" ({category})" if trigger == "unsupported_language" else f" \u2014 {category}"
    words = " ".join(str(decision.get("words") or "").split())
    reasons = [_clip(f"{label}: \u201c{_clip(words, REASON_CHARS - len(label) - 4)}\u201d" if words else label)]
    signals = decision.get("signals") or {}
    cues = [str(cue) for cue in signals.get("cues") or [] if not str(cue).startswith("model:")]
    if cues:
        reasons.append(_clip("Signals: " + "; ".join(cues)))
    if signals.get("negative_turns") is not None and signals.get("peak") is not None:
        reasons.append(f"Over the conversation: {signals['negative_turns']} negative messages, "
                       f"peak distress {float(signals['peak']):.0%}")
    return reasons


def customer_context(tracker: Tracker) -> dict[str, Any]:
    """Who the agent is talking to (contracts.md #2): a verified customer's name, policies and open claims;
    for anyone else only ``verified: false``, so the agent checks identity before discussing a policy."""
    verified = gate.verified_customer(tracker)
    if verified is None:
        return {"verified": False}
    try:
        with session_scope() as session:
            return identity.customer_context(session=session, customer_id=verified["customer_id"])
    except SQLAlchemyError:
        logger.exception("customer context unavailable")
        return {"verified": True, "customer_name": verified.get("first_name")}


def ticket_payload(tracker: Tracker, decision: dict[str, Any], mode: str) -> dict[str, Any]:
    timeline = history.emotion_timeline(tracker)
    latest = timeline[-1] if timeline else {}
    slots = {name: tracker.get_slot(name) for name in DETAIL_SLOTS if tracker.get_slot(name) not in (None, "")}
    payload: dict[str, Any] = {
        "conversation_id": tracker.sender_id,
        "channel": history.input_channel(tracker)[:64],
        "customer_first_name": tracker.get_slot("customer_name"),
        "reasons": ticket_reasons(decision),
        "priority": decision.get("priority", "normal"),
        "intensity": latest.get("intensity"),
        "dominant_emotion": latest.get("emotion"),
        "emotion_timeline": [{k: v for k, v in point.items() if v is not None} for point in timeline],
        "slots": slots,
        "transcript": [{k: v for k, v in entry.items() if v is not None} for entry in history.transcript(tracker)],
        "preferred_mode": mode,
        "trigger": decision.get("trigger"),
        "trigger_words": (decision.get("words") or "")[:2000] or None,
        "customer_context": customer_context(tracker),
    }
    if mode == "callback":
        payload["callback_phone"] = tracker.get_slot("callback_phone")
        payload["callback_time"] = tracker.get_slot("callback_time")
    return {key: value for key, value in payload.items() if value is not None}
