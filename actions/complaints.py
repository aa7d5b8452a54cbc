"""Complaints: acknowledge in the customer's own terms (what went wrong, how long they've waited)."""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.chase_words import missed_call_back
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


_TIMES = r"(?:twice|(?:\d{1,2}|three|four|five|six|seven|eight|nine|ten|several|a few|so many) times)"
_WHEN = r"(?:\s+(?:this|last)\s+(?:week|month|fortnight)|\s+today|\s+now|\s+already)?"
_CHASED = re.compile(rf"\b({_TIMES}{_WHEN})\b", re.IGNORECASE)
# "my boiler claim", "the car claim": what the claim is about, in the customer's word for it.
_CLAIM_SUBJECT = re.compile(r"\b(?:my|our|the)\s+([a-z]+(?:\s+[a-z]+){0,2})\s+claim\b", re.IGNORECASE)
_NOT_SUBJECTS = {"new", "old", "last", "first", "this", "that", "insurance", "whole", "stupid", "bloody", "damn",
                 "same", "other", "previous", "current", "latest", "own", "entire"}
_VERB_CLAIM = {"to", "i", "we", "you", "they", "and", "or", "not", "never", "can", "could", "should", "would",
               "will", "did", "do", "didn't", "won't", "can't", "cannot", "must", "might", "may"}


# "Taken twice this month" is a payment taken twice, not a customer chasing us (session 8: "why is my direct debit
# taken twice this month" got "Having to chase us twice this month…"): the count of a charge is not a chase.
_CHARGED_BEFORE = re.compile(r"\b(?:taken|charged|debited|billed|paid|deducted|collected|came out|come out|gone out|"
                             r"went out|withdrawn)(?:\s+\S+){0,3}\s*$", re.IGNORECASE)


def chased(text: Optional[Text]) -> Optional[Text]:
    """How often the customer says they have had to contact us ("three times this week"), in their words."""
    cleaned = plain_text(text, max_length=2000)
    for match in _CHASED.finditer(cleaned):
        if not _CHARGED_BEFORE.search(cleaned[max(0, match.start() - 60):match.start()]):
            return " ".join(match.group(1).lower().split())
    return None


# Unhappy with what a policy costs ("I'm not happy with the quote", "the renewal price is a joke"): a price is not a
# service failure, so the reply does not own one (session 8: it got "that's not the service you should get from us").
_PRICE = re.compile(r"\b(?:quote|quoted|price|prices|premium|premiums|renewal (?:price|cost)|too expensive|"
                    r"so expensive|costs? (?:too much|so much)|gone up|went up|put up|increase|increased)\b",
                    re.IGNORECASE)


def about_price(text: Optional[Text]) -> bool:
    """The customer is unhappy with a price or quote."""
    return _PRICE.search(plain_text(text, max_length=2000)) is not None


def claim_subject(text: Optional[Text]) -> Optional[Text]:
    """What the customer's claim is about, when they name it ("my boiler claim" -> "boiler claim")."""
    match = _CLAIM_SUBJECT.search(plain_text(text, max_length=2000))
    if match is None:
        return None
    words = match.group(1).lower().split()
    while words and words[0] in _NOT_SUBJECTS:
        words = words[1:]
    if _VERB_CLAIM & set(words):  # "the decision to claim", "the right I should claim": claim is the verb
        return None
    return " ".join(words + ["claim"]) if words else None


class ActionAcknowledgeComplaint(Action):
    def name(self) -> Text:
        return "action_acknowledge_complaint"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        text = (tracker.latest_message or {}).get("text")
        incident = find_incident_type(tracker.get_slot("incident_type")) or find_incident_type((text or "")[:2000])
        waited = waited_for(text)
        subject = f"{incident.name} claim" if incident else claim_subject(text)
        times = chased(text)
        if times and not waited:
            # Having to chase us is the concern, said back in the bot's words, not the message quoted.
            dispatcher.utter_message(response="utter_complaint_acknowledge_chased", times=times,
                                     subject=f"your {subject}" if subject else "this")
        elif subject and waited and not incident:
            dispatcher.utter_message(response="utter_complaint_acknowledge_wait", incident=subject, waited=waited)
        elif incident and waited:
            dispatcher.utter_message(response="utter_complaint_acknowledge_wait", incident=incident.name, waited=waited)
        elif incident:
            dispatcher.utter_message(
                response="utter_complaint_acknowledge_incident", incident=incident.name, incident_spoken=incident.spoken
            )
        elif missed_call_back(text or ""):
            dispatcher.utter_message(response="utter_complaint_acknowledge_call_back")
        elif about_price(text):
            dispatcher.utter_message(response="utter_complaint_acknowledge_price")
        else:
            dispatcher.utter_message(response="utter_complaint_acknowledge")
        return []
