"""What an action asks before it discloses a policy's or a claim's details: is this the policyholder?

``verified_customer`` is the sealed slot: its mapping is custom with no action, so only our actions set it
(typed ``/intent{…}`` commands are read as text, rasa_addons/sealed_messages.py). A customer who is not
verified is asked to verify (the ``verify_form``), and the request they made is kept in
``verification_request`` so it is answered straight after, without asking again.
"""
from __future__ import annotations

import datetime as dt
import logging
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from actions.identity import service
from actions.insurance.db import session_scope

logger = logging.getLogger(__name__)

VERIFIED_SLOT = "verified_customer"
REQUEST_SLOT = "verification_request"
ANSWER_SLOTS = ("date_of_birth", "postcode")
VERIFY_ACTION = "action_verify_identity"
MAX_REQUEST_CHARS = 500


def verified_customer(tracker: Tracker, *, now: Optional[dt.datetime] = None) -> Optional[Dict[Text, Any]]:
    """The verified customer's slot value, or None when nobody is verified (or the verification has lapsed)."""
    value = tracker.get_slot(VERIFIED_SLOT)
    if not isinstance(value, dict) or not isinstance(value.get("customer_id"), int):
        return None
    try:
        verified_at = dt.datetime.fromisoformat(str(value.get("verified_at")))
    except ValueError:
        return None
    if (now or service.utc_now()) - verified_at > service.limits().verified_for:
        return None
    return value


def after_verification(tracker: Tracker, action_name: Text) -> bool:
    """This action runs as the answer to the request that verification interrupted."""
    request = tracker.get_slot(REQUEST_SLOT)
    return (tracker.latest_action_name == VERIFY_ACTION and isinstance(request, dict)
            and request.get("action") == action_name)


def request_text(tracker: Tracker, action_name: Text) -> Optional[Text]:
    """The words of the request verification interrupted ("what's my excess on …"), when answering it now."""
    if not after_verification(tracker, action_name):
        return None
    return str(tracker.get_slot(REQUEST_SLOT).get("text") or "")


def lockout(dispatcher: CollectingDispatcher) -> List[EventType]:
    """No more checks in this chat: say why, kindly, and offer a person (who can check another way)."""
    dispatcher.utter_message(response="utter_verification_locked")
    decision = {"trigger": "identity_check", "words": "", "priority": "normal", "immediate": True,
                "category": "identity_check", "signals": {}}
    return [SlotSet(REQUEST_SLOT, None), *[SlotSet(slot, None) for slot in ANSWER_SLOTS],
            SlotSet("handoff_decision", decision), FollowupAction("action_offer_handoff")]


def start_verification(dispatcher: CollectingDispatcher, tracker: Tracker, action_name: Text,
                       **extra_slots: Any) -> List[EventType]:
    """Ask the customer to verify, keeping what they asked for (answered once they have)."""
    try:
        with session_scope() as session:
            locked = service.conversation_locked(session=session, sender_id=tracker.sender_id)
    except SQLAlchemyError:
        logger.exception("identity check unavailable")
        dispatcher.utter_message(response="utter_records_unavailable")
        return []
    if locked:
        return lockout(dispatcher)
    dispatcher.utter_message(response="utter_verify_intro")
    text = ((tracker.latest_message or {}).get("text") or "")[:MAX_REQUEST_CHARS]
    return ([SlotSet(REQUEST_SLOT, {"action": action_name, "text": text})]
            + [SlotSet(slot, value) for slot, value in extra_slots.items()]
            + [SlotSet(slot, None) for slot in ANSWER_SLOTS] + [FollowupAction("verify_form")])


def lookup_allowed(dispatcher: CollectingDispatcher, tracker: Tracker, subject: Text) -> bool:
    """Counts a record lookup; says kindly that lookups are paused when a limit is reached."""
    with session_scope() as session:
        allowed = service.lookup_allowed(session=session, sender_id=tracker.sender_id, subject=subject)
    if not allowed:
        dispatcher.utter_message(response="utter_lookups_paused")
    return allowed
