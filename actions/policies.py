"""Policy questions: what a product covers, which documents a claim needs, and renewal dates."""
from __future__ import annotations

import logging
import re
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from actions.identity import gate
from actions.identity import service as identity
from actions.insurance import formats
from actions.insurance.dates import say_date
from actions.insurance.db import session_scope
from actions.insurance.incidents import find_incident_type
from actions.insurance.models import Policy, Product

logger = logging.getLogger(__name__)


_FOLLOW_UP_ENTITIES = {"product", "policy_number", "incident_type"}


def _unclear_follow_up(tracker: Tracker, action_name: Text = "") -> List[EventType]:
    """A follow-up answer ("inform") naming no product, policy or incident gets the kind rephrase as an
    action of its own, so a second unclear message in a row brings a person instead of a loop. (The
    answer to the last verification question is not a follow-up: the request it completes is answered.)"""
    if gate.after_verification(tracker, action_name):
        return []
    latest = tracker.latest_message or {}
    if (latest.get("intent") or {}).get("name") != "inform":
        return []
    if any(entity.get("entity") in _FOLLOW_UP_ENTITIES for entity in latest.get("entities") or []):
        return []
    return [FollowupAction("utter_inform_unclear")]


def _policy_number(tracker: Tracker) -> Optional[Text]:
    return formats.read_policy_number(tracker.get_slot("policy_number")).value


def _product(tracker: Tracker) -> Optional[Product]:
    """The product the customer means: what this message names (a product, or a policy number's prefix),
    else the product mentioned earlier, else the one their policy number implies."""
    products = {product.value for product in Product}
    for entity in reversed((tracker.latest_message or {}).get("entities") or []):
        if entity.get("entity") == "product" and entity.get("value") in products:
            return Product(entity["value"])
        if entity.get("entity") == "policy_number":
            check = formats.read_policy_number(str(entity.get("value")))
            if check.ok:
                return formats.product_for_policy_number(check.value)
    named = tracker.get_slot("product")
    if named in products:
        return Product(named)
    policy_number = _policy_number(tracker)
    return formats.product_for_policy_number(policy_number) if policy_number else None


def _lookup_policy(dispatcher: CollectingDispatcher, tracker: Tracker, policy_number: Text,
                   customer_id: int) -> Tuple[bool, Optional[Dict[Text, Any]]]:
    """(records reachable, the verified customer's policy facts or None). Another customer's policy and an
    unknown number read the same, so nothing can be learnt by trying numbers."""
    try:
        if not gate.lookup_allowed(dispatcher, tracker, policy_number):
            return False, None
        with session_scope() as session:
            policy: Optional[Policy] = identity.owns_policy(
                session=session, customer_id=customer_id, policy_number=policy_number)
            if policy is None:
                return True, None
            return True, {
                "policy_number": policy.policy_number,
                "product": policy.product.value,
                "cover_level": policy.cover_level,
                "excess": policy.excess_gbp,
                "renews_on": say_date(policy.renews_on),
                "premium": f"{policy.monthly_premium_pence / 100:.2f}",
            }
    except SQLAlchemyError:
        logger.exception("policy lookup failed")
        dispatcher.utter_message(response="utter_records_unavailable")
        return False, None


def _answered(tracker: Tracker, action_name: Text) -> List[EventType]:
    """Once the request verification interrupted is answered, it is no longer pending."""
    return [SlotSet(gate.REQUEST_SLOT, None)] if gate.after_verification(tracker, action_name) else []


_ASKS_EXCESS = re.compile(r"\bexcess\b", re.IGNORECASE)


def _question_text(tracker: Tracker) -> Text:
    """The question being answered: a follow-up ("HOM-204815" after "how much is my excess") carries the
    question it completes."""
    latest = tracker.latest_message or {}
    text = latest.get("text") or ""
    if (latest.get("intent") or {}).get("name") != "inform":
        return text
    users = [event for event in tracker.events if event.get("event") == "user"]
    return f"{users[-2].get('text') or ''} {text}" if len(users) >= 2 else text


class ActionExplainCoverage(Action):
    def name(self) -> Text:
        return "action_explain_coverage"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        unclear = _unclear_follow_up(tracker, self.name())
        if unclear:
            return unclear
        product = _product(tracker)
        asked = gate.request_text(tracker, self.name()) or _question_text(tracker)
        asks_excess = bool(_ASKS_EXCESS.search(asked))
        if product is None:
            # "What's an excess?" has an answer that needs no product; the amount is on their policy.
            question = "utter_excess_explained" if asks_excess else "utter_ask_product_for_coverage"
            dispatcher.utter_message(response=question)
            return []
        policy_number = _policy_number(tracker)
        own_policy = bool(policy_number) and formats.product_for_policy_number(policy_number) is product
        reachable, facts = True, None
        if own_policy:
            verified = gate.verified_customer(tracker)
            if verified is None:
                # A policy's figures only for its holder: check first, then answer this same question.
                return gate.start_verification(dispatcher, tracker, self.name())
            reachable, facts = _lookup_policy(dispatcher, tracker, policy_number, verified["customer_id"])
        # "What's my excess on MOT-318402?" is answered by their policy's figures alone, not a product overview.
        if not (facts and asks_excess):
            dispatcher.utter_message(response=f"utter_coverage_{product.value}")
        if facts:
            dispatcher.utter_message(response="utter_policy_cover_summary", **facts)
        elif own_policy and reachable:
            dispatcher.utter_message(response="utter_policy_not_yours", policy_number=policy_number)
        return _answered(tracker, self.name())


class ActionExplainDocuments(Action):
    def name(self) -> Text:
        return "action_explain_documents"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        unclear = _unclear_follow_up(tracker)
        if unclear:
            return unclear
        incident = find_incident_type(tracker.get_slot("incident_type"))
        product = _product(tracker)
        if product is None and incident is not None and len(incident.products) == 1:
            product = incident.products[0]
        if product is None:
            dispatcher.utter_message(response="utter_ask_product_for_documents")
            return []
        dispatcher.utter_message(response=f"utter_documents_{product.value}")
        if product is Product.LIFE:
            # Life claims follow a bereavement; a person guides them, not a form.
            return []
        if incident is not None and product in incident.products:
            dispatcher.utter_message(
                response="utter_documents_incident", incident_spoken=incident.spoken, documents=incident.documents
            )
        if not (tracker.active_loop or {}).get("name"):
            dispatcher.utter_message(response="utter_offer_claim")
        return []


class ActionExplainRenewal(Action):
    def name(self) -> Text:
        return "action_explain_renewal"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        unclear = _unclear_follow_up(tracker, self.name())
        if unclear:
            return unclear
        policy_number = _policy_number(tracker)
        if policy_number:
            verified = gate.verified_customer(tracker)
            if verified is None:
                return gate.start_verification(dispatcher, tracker, self.name())
            reachable, facts = _lookup_policy(dispatcher, tracker, policy_number, verified["customer_id"])
            if facts:
                dispatcher.utter_message(response="utter_renewal_date", **facts)
            elif reachable:
                dispatcher.utter_message(response="utter_policy_not_yours", policy_number=policy_number)
            return _answered(tracker, self.name())
        dispatcher.utter_message(response="utter_renewal")
        return []
