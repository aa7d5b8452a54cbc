"""TNPS (0-10 + an optional comment), after a person helped and at the end of bot-only chats,
so both paths can be compared. Kept in the outbox if the handoff service is down."""
from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.handoff import outbox

_WORDS = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
          "eight": 8, "nine": 9, "ten": 10}
_NUMBER = re.compile(r"(?<![\d.])(\d{1,2})(?:\s*(?:/|out of)\s*10)?(?![\d.])")
_SKIP = re.compile(r"^\s*(no|nope|nothing|none|skip|no comment|no thanks|n/?a|-)\s*[.!]*\s*$", re.I)
_PHONE = re.compile(r"^\+?[\d\s()-]{7,20}$")


def parse_score(text: str) -> int | None:
    lowered = (text or "").lower()
    match = _NUMBER.search(lowered)
    if match and 0 <= int(match.group(1)) <= 10:
        return int(match.group(1))
    for word, value in _WORDS.items():
        if re.search(rf"\b{word}\b", lowered):
            return value
    return None


# Messages that ask nothing of us: a conversation made only of these has nothing a score could rate, so its
# goodbye is only a goodbye (issue #16: "bye" as a first message was asked for a score from 0 to 10).
PLEASANTRIES = frozenset({"greet", "goodbye", "thank", "inform_name", "affirm", "deny", "bot_challenge", "stop"})


def something_to_rate(tracker: Tracker) -> bool:
    """True when, before this goodbye, the customer asked or told us anything beyond pleasantries."""
    earlier = [event for event in tracker.events if event.get("event") == "user"][:-1]
    return any(((event.get("parse_data") or {}).get("intent") or {}).get("name") not in PLEASANTRIES
               for event in earlier)


class ActionGoodbye(Action):
    """Goodbye: the score question once per conversation when there is something to rate, else farewell."""

    def name(self) -> str:
        return "action_goodbye"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        if not tracker.get_slot("tnps_asked") and something_to_rate(tracker):
            return [FollowupAction("tnps_form")]
        dispatcher.utter_message(response="utter_goodbye")
        return []


class ValidateTnpsForm(FormValidationAction):
    def name(self) -> str:
        return "validate_tnps_form"

    def validate_tnps_score(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                            domain: DomainDict) -> dict[str, Any]:
        score = parse_score(str(value or ""))
        if score is None:
            dispatcher.utter_message(response="utter_tnps_score_invalid")
            return {"tnps_score": None}
        return {"tnps_score": score}

    def validate_tnps_comment(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                              domain: DomainDict) -> dict[str, Any]:
        text = str(value or "").strip()
        return {"tnps_comment": "-" if not text or _SKIP.match(text) else text[:2000]}


async def _store(tracker: Tracker, score: Any, comment: str | None) -> None:
    ticket_id = tracker.get_slot("handoff_resolved_ticket_id")
    outbox.enqueue_survey(tracker.sender_id, int(score), None if comment in (None, "-") else comment,
                          int(ticket_id) if ticket_id else None)
    await outbox.flush(tracker.sender_id)


class ActionStoreTnps(Action):
    def name(self) -> str:
        return "action_store_tnps"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        score = tracker.get_slot("tnps_score")
        events: list[EventType] = [SlotSet("tnps_asked", True), SlotSet("tnps_score", None),
                                   SlotSet("tnps_comment", None)]
        if score is None:
            return events
        await _store(tracker, score, tracker.get_slot("tnps_comment"))
        dispatcher.utter_message(response="utter_tnps_thanks")
        return events


class ValidateCallbackForm(FormValidationAction):
    def name(self) -> str:
        return "validate_callback_form"

    def validate_callback_phone(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                domain: DomainDict) -> dict[str, Any]:
        phone = str(value or "").strip()
        if not _PHONE.match(phone) or sum(ch.isdigit() for ch in phone) < 7:
            dispatcher.utter_message(response="utter_callback_phone_invalid")
            return {"callback_phone": None}
        return {"callback_phone": phone}

    def validate_callback_time(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                               domain: DomainDict) -> dict[str, Any]:
        return {"callback_time": str(value or "").strip()[:120] or "as soon as possible"}


class ActionSkipTnps(Action):
    """The customer would rather not answer: leave the survey kindly, and never ask again.

    "No", "skip" or "nothing" to the comment question (which itself says 'Or just say "no"') reach this
    action through the stop/deny rules too: the score already given is stored, without a comment.
    It used to be dropped, so a score without a comment was never stored."""

    def name(self) -> str:
        return "action_skip_tnps"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        score = tracker.get_slot("tnps_score")
        if score is not None:
            await _store(tracker, score, None)
            dispatcher.utter_message(response="utter_tnps_thanks")
        else:
            dispatcher.utter_message(response="utter_tnps_skipped")
        return [ActiveLoop(None), SlotSet("requested_slot", None), SlotSet("tnps_asked", True),
                SlotSet("tnps_score", None), SlotSet("tnps_comment", None)]
