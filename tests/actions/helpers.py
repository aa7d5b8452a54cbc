"""Small builders shared by the action tests."""
from __future__ import annotations

from typing import Any, Dict, List, Optional

from rasa_sdk.executor import CollectingDispatcher


def responses(dispatcher: CollectingDispatcher) -> List[Optional[str]]:
    return [message.get("response") for message in dispatcher.messages]


def user_event(text: str, intent: str = "inform", entities: Optional[List[Dict[str, Any]]] = None) -> Dict[str, Any]:
    return {"event": "user", "text": text, "timestamp": 1763780100.0,
            "parse_data": {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": entities or []}}


def slot_event(name: str, value: Any) -> Dict[str, Any]:
    return {"event": "slot", "name": name, "value": value, "timestamp": 1763780101.0}
