"""The verification form (policy number, date of birth, postcode) and what happens when it is complete."""
from __future__ import annotations

import datetime as dt
import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions.forms import acknowledged_feeling, typed_policy_number
from actions.identity import gate, readers, service
from actions.insurance.db import session_scope
from actions.session import name_slots

logger = logging.getLogger(__name__)


class ValidateVerifyForm(FormValidationAction):
    """Checks the form of each answer only: whether they match is decided once, with all three, so a
    wrong answer never tells which part was wrong (or that a policy number exists)."""

    def name(self) -> Text:
        return "validate_verify_form"

    def validate_policy_number(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        return {"policy_number": typed_policy_number(value, dispatcher, tracker)}

    def validate_date_of_birth(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        born = readers.read_date_of_birth(value if isinstance(value, str) else None)
        if born is None:
            if not acknowledged_feeling(dispatcher, tracker):
                dispatcher.utter_message(response="utter_date_of_birth_unclear")
            return {"date_of_birth": None}
        return {"date_of_birth": born.isoformat()}

    def validate_postcode(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        postcode = readers.read_postcode(value if isinstance(value, str) else None)
        if postcode is None and not acknowledged_feeling(dispatcher, tracker):
            dispatcher.utter_message(response="utter_postcode_unclear")
        return {"postcode": postcode}


class ActionVerifyIdentity(Action):
    """The three answers against the policyholder's records, within the limits (actions/identity/limits.yml)."""

    def name(self) -> Text:
        return gate.VERIFY_ACTION

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        cleared: List[EventType] = [SlotSet(slot, None) for slot in gate.ANSWER_SLOTS]
        try:
            born = dt.date.fromisoformat(tracker.get_slot("date_of_birth") or "")
            now = service.utc_now()
            with session_scope() as session:
                check = service.check_identity(
                    session=session, sender_id=tracker.sender_id, policy_number=tracker.get_slot("policy_number") or "",
                    date_of_birth=born, postcode=tracker.get_slot("postcode") or "", now=now)
        except ValueError:  # the form validated these: a missing answer means the form was left early
            dispatcher.utter_message(response="utter_verification_stopped")
            return cleared + [SlotSet(gate.REQUEST_SLOT, None)]
        except SQLAlchemyError:
            logger.exception("identity check failed")
            dispatcher.utter_message(response="utter_records_unavailable")
            return cleared + [SlotSet(gate.REQUEST_SLOT, None)]
        if check.outcome is service.Outcome.LOCKED:
            return cleared + [SlotSet("policy_number", None)] + gate.lockout(dispatcher)
        if check.outcome is service.Outcome.MISMATCH:
            dispatcher.utter_message(response="utter_verification_mismatch")
            return cleared + [SlotSet("policy_number", None), FollowupAction("verify_form")]
        customer = check.customer
        events: List[EventType] = cleared + [SlotSet(gate.VERIFIED_SLOT, customer.as_slot(via="chat", now=now))]
        name = tracker.get_slot("customer_name") or customer.first_name
        if not tracker.get_slot("customer_name"):
            events += [SlotSet(slot, value) for slot, value in name_slots(customer.first_name).items()]
        dispatcher.utter_message(response="utter_verified", name_vocative=f", {name}")
        request = tracker.get_slot(gate.REQUEST_SLOT)
        if isinstance(request, dict) and request.get("action") in DISCLOSING_ACTIONS:
            return events + [FollowupAction(request["action"])]
        dispatcher.utter_message(response="utter_verified_what_next")
        return events + [SlotSet(gate.REQUEST_SLOT, None)]


# The actions that ask for verification and are run again once it succeeds.
DISCLOSING_ACTIONS = {"action_explain_coverage", "action_explain_renewal", "action_check_claim_status"}


class ActionStopVerification(Action):
    """The customer left the check: forget the answers and the pending request; general help goes on."""

    def name(self) -> Text:
        return "action_stop_verification"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        dispatcher.utter_message(response="utter_verification_stopped")
        return ([SlotSet(slot, None) for slot in gate.ANSWER_SLOTS]
                + [SlotSet(gate.REQUEST_SLOT, None), SlotSet("requested_slot", None)])
