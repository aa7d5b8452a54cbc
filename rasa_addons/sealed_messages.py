"""Sealed channels and bounded input: what of a customer's message the NLU may read.

Rasa reads a message that starts with ``/`` as a command (``/intent{"slot": "value"}``, including the
``EXTERNAL_`` intents our handoff service triggers), so anyone who can type could run any intent and set
any slot. The seal sits in ``MessageProcessor.parse_message``, the one place every channel's message
passes before the NLU (REST, socket.io, callback, platforms) and where the conversation is at hand:

- a ``/…`` text is read as a command only when it is exactly the payload of a button the bot offered
  since the customer's previous message (the buttons of the latest bot turn);
- anything else starting with ``/`` is read as plain text: the NLU sees it without its leading slashes,
  while the conversation keeps what the customer typed;
- every message is cut to ``MESSAGE_CHAR_LIMIT`` characters before anything reads it, so no reader
  downstream (NLU, emotion scorer, action server) ever sees unbounded text.

The service's own ``trigger_intent`` calls (Rasa's token-protected HTTP API) do not pass through the
NLU, so they are unaffected. The decision below has no Rasa imports and is tested in either runtime.
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping, Optional

COMMAND_PREFIX = "/"
# Telegram's own cap on one message, the largest of the platforms we connect: a customer on any
# channel can write at least what that platform lets them send. See docs/architecture.md (Security).
MESSAGE_CHAR_LIMIT = 4096


def offered_payloads(events_newest_first: Iterable[Mapping[str, Any]]) -> frozenset[str]:
    """Payloads of the buttons the bot sent since the customer's last message.

    ``events_newest_first`` are Rasa event dicts (``{"event": "bot", "data": {...}}``), newest first;
    reading stops at the first user message, so only the latest bot turn's offer counts.
    """
    payloads: set[str] = set()
    for event in events_newest_first:
        kind = event.get("event")
        if kind == "user":
            break
        if kind != "bot":
            continue
        data = event.get("data") or {}
        for key in ("buttons", "quick_replies"):
            for button in data.get(key) or []:
                payload = button.get("payload") if isinstance(button, Mapping) else None
                if isinstance(payload, str) and payload.strip():
                    payloads.add(payload.strip())
    return frozenset(payloads)


def _without_command_prefix(text: str) -> str:
    """``text`` from its first character that is neither a slash nor white space (one pass)."""
    start = 0
    while start < len(text) and (text[start] == COMMAND_PREFIX or text[start].isspace()):
        start += 1
    return text[start:]


def bounded(text: Optional[str], limit: int = MESSAGE_CHAR_LIMIT) -> str:
    return (text or "")[:limit]


def text_for_nlu(text: str, offered: frozenset[str]) -> str:
    """What the NLU reads: the text itself, unless it is a command nobody offered.

    Rasa strips white space before it looks for the ``/``, so the same is done here; an offered
    payload is accepted exactly (after that stripping), nothing else is.
    """
    stripped = text.strip()
    if not stripped.startswith(COMMAND_PREFIX) or stripped in offered:
        return text
    return _without_command_prefix(stripped)


def install() -> bool:
    """Puts the seal and the length limit in front of Rasa's ``parse_message``; False if already there.

    Installed after ``nonblocking.install`` (rasa_addons/serve.py), so it wraps the off-loop parser.
    """
    from rasa.core.channels.channel import UserMessage
    from rasa.core.processor import MessageProcessor
    from rasa.shared.core.events import BotUttered, UserUttered

    parse = MessageProcessor.parse_message
    if getattr(parse, "_heard_sealed", False):
        return False

    def recent_bot_turn(tracker: Any) -> list[dict]:
        turn = []
        for event in reversed(tracker.events if tracker is not None else []):
            if isinstance(event, UserUttered):
                break
            if isinstance(event, BotUttered):
                turn.append({"event": "bot", "data": event.data})
        return turn

    async def sealed_parse_message(self: Any, message: Any, tracker: Any = None,
                                   only_output_properties: bool = True) -> dict:
        # The conversation stores message.text: bound it there, for every later reader too.
        message.text = bounded(message.text)
        readable = text_for_nlu(message.text, offered_payloads(recent_bot_turn(tracker)))
        if readable == message.text:
            return await parse(self, message, tracker, only_output_properties)
        as_text = UserMessage(readable, message.output_channel, message.sender_id,
                              input_channel=message.input_channel, message_id=message.message_id,
                              metadata=message.metadata)
        parse_data = await parse(self, as_text, tracker, only_output_properties)
        parse_data["text"] = message.text  # what the customer typed, read as text
        return parse_data

    sealed_parse_message._heard_sealed = True  # type: ignore[attr-defined]
    MessageProcessor.parse_message = sealed_parse_message  # type: ignore[method-assign]
    return True
