"""The customer's name.

The first name comes from the channel (REST ``metadata.first_name``, socket.io
``customData.first_name``; read on every turn by ``action_assess_message``, so Rasa's own session
start works even when the action server is down) or from the customer. It is sanitised before it is
stored or shown.
"""
from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.insurance.formats import clean_first_name

def name_slots(name: Optional[Text]) -> Dict[Text, Any]:
    """Slot values for a known (or, with ``None``, unknown) first name."""
    return {"customer_name": name, "name_vocative": f", {name}" if name else ""}


def first_name_from_metadata(metadata: Optional[Mapping[Text, Any]]) -> Optional[Text]:
    if not isinstance(metadata, Mapping):
        return None
    custom = metadata.get("customData")
    for source in (metadata, custom if isinstance(custom, Mapping) else {}):
        raw = source.get("first_name")
        if isinstance(raw, str):
            name = clean_first_name(raw)
            if name:
                return name
    return None


def latest_user_metadata(tracker: Tracker) -> Optional[Mapping[Text, Any]]:
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return event.get("metadata")
    return None


def channel_name_events(tracker: Tracker) -> List[EventType]:
    """The name the channel sent, once, when the bot does not know it yet."""
    if tracker.get_slot("customer_name"):
        return []
    name = first_name_from_metadata(latest_user_metadata(tracker)) or first_name_from_metadata(
        tracker.get_slot("session_started_metadata"))
    return [SlotSet(slot, value) for slot, value in name_slots(name).items()] if name else []


class ActionRememberName(Action):
    """The customer told us their name ("I'm Priya")."""

    def name(self) -> Text:
        return "action_remember_name"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        name = clean_first_name((tracker.latest_message or {}).get("text"))
        if name is None:
            dispatcher.utter_message(response="utter_name_not_caught")
            return []
        slots = name_slots(name)
        # The reply is rendered before these slots are applied, so it gets the name directly.
        dispatcher.utter_message(response="utter_nice_to_meet_you", name_vocative=slots["name_vocative"])
        return [SlotSet(slot, value) for slot, value in slots.items()] + [SlotSet("customer_name_asked", True)]
