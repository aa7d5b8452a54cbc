"""What the NLU may know of the conversation: the knowledge-base answer just given, for follow-up questions.

Rasa runs the NLU without the conversation, so "what about snowboarding?" after the answer about skiing would be
read alone. ``install`` wraps ``MessageProcessor.parse_message`` (where the tracker is at hand, as the seal in
``rasa_addons/sealed_messages.py`` does) and puts the entry answered in the previous bot turn into the message's
metadata under ``heard_context`` (``{"kb_answer_id": …}``); the knowledge retriever reads a short elliptical
question with that entry's question as context (``rasa_addons/knowledge_retrieval.py``). Whatever a client sent
under that key is replaced, so a client cannot choose the context. Installed by ``rasa_addons/serve.py``;
``rasa shell`` and ``rasa test`` read every message alone, as before.

``previous_answer`` has no Rasa imports and is tested in either runtime.
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping, Optional

CONTEXT_KEY = "heard_context"
ANSWER_ACTION = "action_answer_question"
ANSWER_SLOT = "kb_answer_id"


def previous_answer(events_newest_first: Iterable[Mapping[str, Any]]) -> Optional[str]:
    """The knowledge-base entry the bot answered with since the customer's previous message, or None.

    ``events_newest_first`` are Rasa event dicts, newest first; reading stops at the first user message, so
    only an answer given in reply to the latest question counts (a choice offered, an honest "no checked
    answer" or anything the bot did afterwards leaves no context)."""
    answered, entry = False, None
    for event in events_newest_first:
        kind = event.get("event")
        if kind == "user":
            break
        if kind == "action" and event.get("name") not in (None, "action_listen"):
            if event.get("name") == ANSWER_ACTION:
                answered = True
            elif entry is None and not answered:
                return None  # the bot did something else after the answer: the answer is no longer the topic
        if kind == "slot" and event.get("name") == ANSWER_SLOT and entry is None:
            entry = event.get("value")
    return str(entry) if answered and entry else None


def install() -> bool:
    """Adds the context to every message's metadata before the NLU reads it; False if already installed."""
    from rasa.core.processor import MessageProcessor
    from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered

    parse = MessageProcessor.parse_message
    if getattr(parse, "_heard_context", False):
        return False

    def recent(tracker: Any) -> list[dict]:
        found = []
        for event in reversed(tracker.events if tracker is not None else []):
            if isinstance(event, UserUttered):
                found.append({"event": "user"})
                break
            if isinstance(event, ActionExecuted):
                found.append({"event": "action", "name": event.action_name})
            elif isinstance(event, SlotSet):
                found.append({"event": "slot", "name": event.key, "value": event.value})
        return found

    async def parse_with_context(self: Any, message: Any, tracker: Any = None,
                                 only_output_properties: bool = True) -> dict:
        if message.metadata is None or isinstance(message.metadata, dict):
            metadata = dict(message.metadata or {})
            metadata.pop(CONTEXT_KEY, None)
            entry = previous_answer(recent(tracker))
            if entry:
                metadata[CONTEXT_KEY] = {ANSWER_SLOT: entry}
            message.metadata = metadata
        return await parse(self, message, tracker, only_output_properties)

    parse_with_context._heard_context = True  # type: ignore[attr-defined]
    parse_with_context._heard_sealed = getattr(parse, "_heard_sealed", False)  # type: ignore[attr-defined]
    MessageProcessor.parse_message = parse_with_context  # type: ignore[method-assign]
    return True
