"""Complaints: acknowledge in the customer's own terms (what went wrong, how long they've waited)."""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.insurance.formats import plain_text
from actions.insurance.incidents import find_incident_type

_NUMBER_WORDS = r"(?:\d{1,3}|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|several|a few|few)"
_WAITED = re.compile(rf"\b({_NUMBER_WORDS}\s+(?:hours?|days?|weeks?|months?))\b", re.IGNORECASE)


def waited_for(text: Optional[Text]) -> Optional[Text]:
    """How long the customer says they've waited, in their words ("THREE WEEKS" -> "Three weeks")."""
    match = _WAITED.search(plain_text(text, max_length=2000))
    if match is None:
        return None
    words = match.group(1).lower()
    return words[0].upper() + words[1:]


class ActionAcknowledgeComplaint(Action):
    def name(self) -> Text:
        return "action_acknowledge_complaint"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        text = (tracker.latest_message or {}).get("text")
        incident = find_incident_type(tracker.get_slot("incident_type")) or find_incident_type((text or "")[:2000])
        waited = waited_for(text)
        if incident and waited:
            dispatcher.utter_message(response="utter_complaint_acknowledge_wait", incident=incident.name, waited=waited)
        elif incident:
            dispatcher.utter_message(
                response="utter_complaint_acknowledge_incident", incident=incident.name, incident_spoken=incident.spoken
            )
        else:
            dispatcher.utter_message(response="utter_complaint_acknowledge")
        return []
