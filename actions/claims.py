"""Claims: acknowledge a new claim, store it once the form is complete, and report a claim's status."""
from __future__ import annotations

import datetime as dt
import logging
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from actions.chase_words import chase_words, cleaned, missed_call_back
from actions.complaints import waited_for
from actions.identity import gate
from actions.identity import service as identity
from actions.insurance import formats, service
from actions.insurance.dates import date_in_message, say_date
from actions.insurance.db import session_scope
from actions.insurance.incidents import find_incident_type
from actions.insurance.models import ClaimStatus, Product

logger = logging.getLogger(__name__)

CLAIM_FORM_SLOTS = ("policy_number", "incident_type", "incident_date", "incident_description")

STATUS_TEXT = {
    ClaimStatus.RECEIVED: "logged and waiting for a claims handler to pick it up",
    ClaimStatus.WITH_ASSESSOR: "with the assessor team",
    ClaimStatus.AWAITING_DOCUMENTS: "waiting for a document from you before it can move on",
    ClaimStatus.APPROVED: "approved",
    ClaimStatus.SETTLED: "settled and closed",
    ClaimStatus.DECLINED: "declined; the letter we sent explains why, and a colleague can go through it with you",
}


# A next step past its date on a claim still in our hands is our failing: say so and offer a person.
OVERDUE_STATUSES = {ClaimStatus.RECEIVED, ClaimStatus.WITH_ASSESSOR, ClaimStatus.APPROVED}


def is_chase(text: Text) -> bool:
    """The customer is chasing us ("ten days ago and heard nothing"), not just asking."""
    text = cleaned(text)
    return bool(waited_for(text) or chase_words()[0].search(text))


def overdue_decision(text: Text, due: dt.date) -> Dict[str, Any]:
    return {"trigger": "complex_case", "words": text[:500], "priority": "high", "immediate": True,
            "category": "overdue_claim", "signals": {"due": due.isoformat()}}


def _latest_text(tracker: Tracker) -> Text:
    return (tracker.latest_message or {}).get("text") or ""


def claim_opening_slots(tracker: Tracker, opening: Text) -> tuple[Optional[Text], Optional[dt.date], List[EventType]]:
    """What the customer's opening message already tells the claim form: the incident (and so the policy
    number's format) and the date ("my car was stolen last night"), so the form does not ask again.
    Returns the incident's name, the date and the slot events."""
    incident = find_incident_type(tracker.get_slot("incident_type")) or find_incident_type(opening[:500])
    events: List[EventType] = []
    products = list(incident.products) if incident is not None else []
    if incident is not None:
        events.append(SlotSet("incident_type", incident.name))
    if len(products) != 1 and tracker.get_slot("product") in {p.value for p in products or Product}:
        products = [Product(tracker.get_slot("product"))]  # "my car was stolen": a theft, on a motor policy
    if len(products) == 1:
        # A car accident is a motor claim: ask for "MOT-123456", not a home policy's format.
        events.append(SlotSet("policy_number_example", formats.example_policy_number(products[0])))
    date = None if tracker.get_slot("incident_date") else date_in_message(opening[:500])
    if date is not None:
        events.append(SlotSet("incident_date", date.isoformat()))
    return (incident.name if incident else None), date, events


def say_noted_date(dispatcher: CollectingDispatcher, date: Optional[dt.date]) -> None:
    if date is not None:
        dispatcher.utter_message(response="utter_claim_date_noted", date=say_date(date))


class ActionAcknowledgeClaim(Action):
    """Before any question: acknowledge what happened, in the customer's own terms when we know them."""

    def name(self) -> Text:
        return "action_acknowledge_claim"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        incident, date, events = claim_opening_slots(tracker, _latest_text(tracker))
        if incident is None:
            dispatcher.utter_message(response="utter_claim_acknowledge")
        else:
            dispatcher.utter_message(response="utter_claim_acknowledge_incident", incident=incident)
        say_noted_date(dispatcher, date)
        return events


class ActionSubmitClaim(Action):
    def name(self) -> Text:
        return "action_submit_claim"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        policy_number = tracker.get_slot("policy_number")
        verified = gate.verified_customer(tracker)
        try:
            incident_date = dt.date.fromisoformat(tracker.get_slot("incident_date") or "")
            with session_scope() as session:
                # Anyone may report a claim; one from someone who has not shown it is them is marked for the handler.
                reported_verified = verified is not None and identity.owns_policy(
                    session=session, customer_id=verified["customer_id"], policy_number=policy_number or "") is not None
                claim = service.file_claim(
                    session=session,
                    policy_number=policy_number or "",
                    incident_type=tracker.get_slot("incident_type") or "",
                    incident_date=incident_date,
                    description=tracker.get_slot("incident_description") or "",
                    reported_verified=reported_verified,
                )
                reference, incident, next_step, due = (
                    claim.reference, claim.incident_type, claim.next_step, claim.next_step_due_on
                )
        except (ValueError, SQLAlchemyError, RuntimeError):
            # ClaimRejected is a ValueError: the slots were validated, so this means stale or tampered data.
            logger.exception("claim could not be stored")
            dispatcher.utter_message(response="utter_claim_not_saved")
            return []
        dispatcher.utter_message(
            response="utter_claim_submitted",
            reference=reference,
            incident=incident,
            policy_number=policy_number,
            next_step=next_step,
            due=say_date(due) if due else "the next working day",
        )
        if not reported_verified:
            dispatcher.utter_message(response="utter_claim_identity_check")
        return [SlotSet("claim_reference", reference)] + [
            SlotSet(slot, None) for slot in ("incident_type", "incident_date", "incident_description")
        ]


class ActionClearClaimForm(Action):
    """The customer left the claim: forget its answers so a new claim starts fresh."""

    def name(self) -> Text:
        return "action_clear_claim_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        return [SlotSet(slot, None) for slot in CLAIM_FORM_SLOTS] + [SlotSet("requested_slot", None)]


class ActionCheckClaimStatus(Action):
    def name(self) -> Text:
        return "action_check_claim_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        resumed = gate.after_verification(tracker, self.name())
        text = gate.request_text(tracker, self.name()) if resumed else _latest_text(tracker)
        chased = is_chase(text) and not resumed
        if chased:
            # Owning the wait (or the call that never came) comes before any question or figure.
            sorry = "utter_claim_call_back_missed_sorry" if missed_call_back(text) else "utter_claim_chase_sorry"
            dispatcher.utter_message(response=sorry)
        typed = formats.read_claim_reference(text[:2000])
        reference: Optional[Text] = typed.value
        if reference is None and typed.problem == "digits":
            dispatcher.utter_message(response="utter_claim_reference_malformed", seen=typed.seen)
            return []
        if reference is None:
            reference = formats.read_claim_reference(tracker.get_slot("claim_reference")).value
        if reference is None:
            # After the apology, the plain question: a second "I'm sorry" in a row reads as a script.
            dispatcher.utter_message(response="utter_ask_which_claim" if chased else "utter_ask_claim_reference")
            return []
        verified = gate.verified_customer(tracker)
        if verified is None:
            # A claim's status only for the policyholder: check first, then answer this same question.
            return gate.start_verification(dispatcher, tracker, self.name(), claim_reference=reference)
        done: List[EventType] = [SlotSet(gate.REQUEST_SLOT, None)] if resumed else []
        try:
            if not gate.lookup_allowed(dispatcher, tracker, reference):
                return done
            with session_scope() as session:
                claim = identity.owns_claim(session=session, customer_id=verified["customer_id"], reference=reference)
                found = None if claim is None else (
                    claim.incident_type, claim.status, claim.next_step, claim.next_step_due_on
                )
        except SQLAlchemyError:
            logger.exception("claim lookup failed")
            dispatcher.utter_message(response="utter_records_unavailable")
            return done
        if found is None:
            # Another customer's claim reads exactly like one that does not exist.
            dispatcher.utter_message(response="utter_claim_not_found", reference=reference)
            return done + [SlotSet("claim_reference", None)]
        incident, status, next_step, due = found
        dispatcher.utter_message(
            response="utter_claim_status",
            reference=reference,
            incident=incident,
            status_text=STATUS_TEXT[status],
            next_step=next_step,
            due_text=f", by {say_date(due)}" if due else "",
        )
        events: List[EventType] = done + [SlotSet("claim_reference", reference)]
        if due is not None and due < dt.date.today() and status in OVERDUE_STATUSES:
            dispatcher.utter_message(response="utter_claim_overdue", due=say_date(due))
            events += [SlotSet("handoff_decision", overdue_decision(text, due)), FollowupAction("action_offer_handoff")]
        return events
