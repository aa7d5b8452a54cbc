"""validate_claim_form: checks each answer and re-asks kindly and specifically when it doesn't fit."""
from __future__ import annotations

import logging
import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions.identity import gate
from actions.insurance import formats, service
from actions.insurance.dates import read_incident_date, say_date
from actions.insurance.db import session_scope
from actions.insurance.incidents import find_incident_type
from actions.insurance.models import PolicyStatus, Product
from actions.session import name_slots

logger = logging.getLogger(__name__)

MIN_DESCRIPTION_LETTERS = 8
# An answer to "what's your first name?" of at least this many words, neither a refusal nor a question, is the
# customer carrying on with what happened ("it was about 10am, nobody hurt, just the bumper"), found by talking
# to the bot (session 6): it was answered "No problem, we can carry on without it" and lost.
MIN_DETAIL_WORDS = 4
_REFUSAL = re.compile(r"\b(?:rather not|prefer not|don'?t want|do not want|no thanks|not telling|skip|none of your|"
                      r"why do you|what for|not saying|no need)\b", re.IGNORECASE)


def details_instead_of_name(value: Any) -> Optional[Text]:
    """The message as claim details when it tells what happened instead of giving a name, else None."""
    text = formats.plain_text(value if isinstance(value, str) else None)
    words = [word for word in text.split() if any(char.isalpha() for char in word)]
    if len(words) < MIN_DETAIL_WORDS or text.rstrip().endswith("?") or _REFUSAL.search(text):
        return None
    if len(text) > formats.MAX_DESCRIPTION_LENGTH:
        return None
    return text


# A form's question answered with how the customer feels ("it's really stressing me out") rather than the
# answer: the feeling is acknowledged before the question comes again, instead of "I couldn't see a policy
# number in that" (found by talking to the bot, session 3). The band is the current message's
# (action_assess_message runs before the form).
FELT_BANDS = frozenset({"upset", "distressed"})


def acknowledged_feeling(dispatcher: CollectingDispatcher, tracker: Optional[Tracker]) -> bool:
    """Acknowledges an upset or distressed customer whose message was not the answer; True when it did."""
    if tracker is None or tracker.get_slot("emotion_tone") not in FELT_BANDS:
        return False
    dispatcher.utter_message(response="utter_form_feeling_acknowledged",
                             name_vocative=tracker.get_slot("name_vocative") or "")
    return True


def typed_policy_number(value: Any, dispatcher: CollectingDispatcher,
                        tracker: Optional[Tracker] = None) -> Optional[Text]:
    """The policy number in a form answer, or None after a re-ask that says what did not fit."""
    check = formats.read_policy_number(value if isinstance(value, str) else None)
    if check.ok:
        return check.value
    if check.problem not in ("digits", "prefix") and acknowledged_feeling(dispatcher, tracker):
        return None
    if check.problem == "digits":
        dispatcher.utter_message(response="utter_policy_number_wrong_digits", seen=check.seen, prefix=check.seen[:3])
    elif check.problem == "prefix":
        dispatcher.utter_message(response="utter_policy_number_wrong_prefix", seen=check.seen)
    else:
        dispatcher.utter_message(response="utter_policy_number_missing")
    return None


class ValidateClaimForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_claim_form"

    async def required_slots(
        self,
        domain_slots: List[Text],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[Text]:
        # The name is asked once, and only when the channel (or the customer) did not already tell us.
        # An answer that has just arrived stays in the list so validate_customer_name cleans it.
        known_before = tracker.get_slot("customer_name") is not None and "customer_name" not in tracker.slots_to_validate()
        if tracker.get_slot("customer_name_asked") or known_before:
            return [slot for slot in domain_slots if slot != "customer_name"]
        return domain_slots

    def validate_customer_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        text = value if isinstance(value, str) else None
        name = formats.clean_first_name(text)
        if name is None and formats.is_bare_agreement(text) and not tracker.get_slot("customer_name_agreed"):
            # "Yes please" to "what's your first name?": asked once more (utter_ask_customer_name's variant).
            return {"customer_name": None, "customer_name_agreed": True}
        slots: Dict[Text, Any] = {**name_slots(name), "customer_name_asked": True}
        if name is not None:
            return slots
        details = details_instead_of_name(value)
        if details is None:
            dispatcher.utter_message(response="utter_name_skipped")
            return slots
        # Asked for a name, the customer went on telling us what happened: that is kept, not waved away.
        dispatcher.utter_message(response="utter_name_skipped_details_noted")
        if not tracker.get_slot("incident_description"):
            slots["incident_description"] = details
        return slots

    def validate_policy_number(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        number = typed_policy_number(value, dispatcher, tracker)
        if number is None:
            return {"policy_number": None}
        try:
            if not gate.lookup_allowed(dispatcher, tracker, number):
                return {"policy_number": None}
            with session_scope() as session:
                policy = service.find_policy(session=session, policy_number=number)
                found = None if policy is None else (policy.product, policy.status)
        except SQLAlchemyError:
            logger.exception("policy lookup failed")
            dispatcher.utter_message(response="utter_records_unavailable")
            return {"policy_number": None}
        if found is None:
            dispatcher.utter_message(response="utter_policy_not_found", policy_number=number)
            return {"policy_number": None}
        product, status = found
        if status is not PolicyStatus.ACTIVE:
            dispatcher.utter_message(response="utter_policy_not_active", policy_number=number)
            return {"policy_number": None}
        if product is Product.LIFE:
            dispatcher.utter_message(response="utter_policy_is_life")
            return {"policy_number": None}
        slots: Dict[Text, Any] = {"policy_number": number, "product": product.value}
        incident = find_incident_type(tracker.get_slot("incident_type"))
        if incident is not None and product not in incident.products:
            self._wrong_product(dispatcher, incident.spoken, product, number)
            slots["incident_type"] = None
        return slots

    def validate_incident_type(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        incident = find_incident_type(value if isinstance(value, str) else None)
        if incident is None:
            if not acknowledged_feeling(dispatcher, tracker):
                dispatcher.utter_message(response="utter_incident_type_unclear")
            return {"incident_type": None}
        policy = formats.read_policy_number(tracker.get_slot("policy_number"))
        if policy.ok:
            product = formats.product_for_policy_number(policy.value)
            if product not in incident.products:
                self._wrong_product(dispatcher, incident.spoken, product, policy.value)
                return {"incident_type": None}
        return {"incident_type": incident.name}

    def validate_incident_date(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        check = read_incident_date(value if isinstance(value, str) else None)
        if check.problem == "future":
            dispatcher.utter_message(response="utter_incident_date_future", date=say_date(check.value))
        elif check.problem == "too_old":
            dispatcher.utter_message(response="utter_incident_date_too_old", date=say_date(check.value))
        elif check.problem is not None and not acknowledged_feeling(dispatcher, tracker):
            dispatcher.utter_message(response="utter_incident_date_unclear")
        if check.problem is not None:
            return {"incident_date": None}
        return {"incident_date": check.value.isoformat()}

    def validate_incident_description(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        text = formats.plain_text(value if isinstance(value, str) else None)
        problem: Optional[Text] = None
        if not formats.has_words(text):
            problem = "utter_incident_description_empty"
        elif len(text) > formats.MAX_DESCRIPTION_LENGTH:
            problem = "utter_incident_description_too_long"
        elif len(text.split()) < 2 and sum(char.isalpha() for char in text) < MIN_DESCRIPTION_LETTERS:
            problem = "utter_incident_description_too_short"
        if problem:
            dispatcher.utter_message(response=problem)
            return {"incident_description": None}
        return {"incident_description": text}

    @staticmethod
    def _wrong_product(
        dispatcher: CollectingDispatcher, incident_spoken: Text, product: Product, policy_number: Text
    ) -> None:
        dispatcher.utter_message(
            response="utter_incident_type_wrong_product",
            incident_spoken=incident_spoken,
            product=product.value,
            policy_number=policy_number,
        )
