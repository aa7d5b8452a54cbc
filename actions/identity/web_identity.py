"""A logged-in website customer is verified by the insurer's site, not asked again in chat.

Rasa's socket.io channel puts the conversation's signed session token in the message metadata
(``heard_session``, rasa_addons/channels.py); a token whose ``customer`` claim names a customer (the
insurer's site vouched for them at ``POST /chat/session``) verifies that customer for this conversation.
The token must be ours (signature, expiry) and name this very conversation (``sub`` = the sender id), so a
token copied into another channel's metadata verifies nobody. No other channel identity (a phone number, a
chat id) ever verifies anyone: messaging customers verify in chat.
"""
from __future__ import annotations

import logging
from typing import List, Optional

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from sqlalchemy.exc import SQLAlchemyError

from actions import config
from actions.identity import gate, service
from actions.insurance.db import session_scope
from actions.session import latest_user_metadata
from rasa_addons import chat_sessions

logger = logging.getLogger(__name__)

SESSION_METADATA_KEY = "heard_session"


def session_customer(tracker: Tracker, key: Optional[str] = None) -> Optional[str]:
    """The customer number a valid session token of this conversation names, or None."""
    metadata = latest_user_metadata(tracker)
    token = metadata.get(SESSION_METADATA_KEY) if isinstance(metadata, dict) else None
    claims = chat_sessions.read(token, config.CHAT_SESSION_KEY if key is None else key)
    if claims is None or claims.get("sub") != tracker.sender_id:
        return None
    customer = claims.get("customer")
    return customer if isinstance(customer, str) and customer else None


def website_identity_events(tracker: Tracker) -> List[EventType]:
    """Sets ``verified_customer`` from the website session, when it names a customer we know."""
    if gate.verified_customer(tracker) is not None:
        return []
    customer_number = session_customer(tracker)
    if customer_number is None:
        return []
    try:
        with session_scope() as session:
            customer = service.customer_by_number(session=session, customer_number=customer_number)
    except SQLAlchemyError:
        logger.exception("customer lookup for a website session failed")
        return []
    if customer is None:
        return []
    return [SlotSet(gate.VERIFIED_SLOT, customer.as_slot(via="website", now=service.utc_now()))]
