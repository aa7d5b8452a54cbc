"""Erasure of one customer on request (``python -m handoff_service.cli erase-customer``).

The customer is named by conversation (sender) ids and/or a policy number; a policy number finds the
conversations whose tickets, tracker events or action-server outbox rows mention it. Everything of those
conversations goes: Rasa's tracker events, tickets with messages and transcripts, delivery rows, surveys, the
action server's outbox rows. The insurer's own records (customers, policies, claims in the insurance database)
are its system of record, kept under its own retention duty, and are not touched here (SECURITY.md).

An ``erasure_records`` row says who asked (the operator), the request's own reference and how much was removed
per kind; it holds no id, name or number of the customer. A conversation with an open ticket is refused: an
agent is talking to that customer now; close the ticket first.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import String, cast, delete, func, select
from sqlalchemy.orm import Session

from handoff_service.config import Settings
from handoff_service.models import Delivery, ErasureRecord, Survey, Ticket, TicketStatus, utcnow
from handoff_service.other_stores import ACTION_OUTBOX, TRACKER_EVENTS, store
from handoff_service.retention import delete_tickets
from handoff_service.services.errors import Conflict, ServiceError

MAX_CONVERSATIONS = 1_000  # one customer, not a bulk purge: above this the request is surely mistyped


class ErasureRequestInvalid(ServiceError):
    code = "invalid_erasure"


@dataclass(frozen=True)
class ErasureRequest:
    requested_by: str
    sender_ids: tuple[str, ...] = ()
    policy_number: str | None = None
    reference: str | None = None


def _mentions(column, value: str):  # noqa: ANN001, ANN202 - SQL expression
    """The JSON/text column contains the value as a whole JSON string (so MOT-1 never matches MOT-12)."""
    return cast(column, String).contains(f'"{value}"')


def find_conversations(*, session: Session, settings: Settings, request: ErasureRequest) -> set[str]:
    senders = {s.strip() for s in request.sender_ids if s.strip()}
    policy = (request.policy_number or "").strip().upper()
    if policy:
        senders |= set(session.scalars(select(Ticket.conversation_id).where(
            _mentions(Ticket.slots, policy) | _mentions(Ticket.transcript, policy))))
        with store(settings.tracker_store_url, TRACKER_EVENTS) as connection:
            if connection is not None:
                senders |= set(connection.scalars(select(TRACKER_EVENTS.c.sender_id).distinct().where(
                    func.upper(TRACKER_EVENTS.c.data).contains(policy))))
        with store(settings.action_database_url, ACTION_OUTBOX) as connection:
            if connection is not None:
                senders |= set(connection.scalars(select(ACTION_OUTBOX.c.conversation_id).distinct().where(
                    _mentions(ACTION_OUTBOX.c.payload, policy))))
    return senders


def erase_customer(*, session: Session, settings: Settings, request: ErasureRequest) -> ErasureRecord:
    if not request.requested_by.strip():
        raise ErasureRequestInvalid("Say who asks for the erasure (--requested-by)")
    if not request.sender_ids and not request.policy_number:
        raise ErasureRequestInvalid("Name the customer by --sender-id and/or --policy-number")
    senders = sorted(find_conversations(session=session, settings=settings, request=request))
    if len(senders) > MAX_CONVERSATIONS:
        raise ErasureRequestInvalid(f"{len(senders)} conversations match: more than one customer's; narrow it down")
    open_ids = list(session.scalars(select(Ticket.id).where(
        Ticket.conversation_id.in_(senders), Ticket.status.in_([TicketStatus.queued, TicketStatus.claimed]))))
    if open_ids:
        raise Conflict(f"Ticket(s) {', '.join(map(str, open_ids))} are open: an agent may be talking to this "
                       "customer now. Close them, then erase.")
    counts = {"conversations": len(senders)}
    ticket_ids = list(session.scalars(select(Ticket.id).where(Ticket.conversation_id.in_(senders))))
    counts.update(delete_tickets(session=session, ticket_ids=ticket_ids, attachments_dir=settings.attachments_dir))
    counts["deliveries"] += session.execute(
        delete(Delivery).where(Delivery.conversation_id.in_(senders))).rowcount or 0
    counts["surveys"] = session.execute(delete(Survey).where(Survey.conversation_id.in_(senders))).rowcount or 0
    counts["tracker_events"] = counts["action_outbox"] = 0
    with store(settings.tracker_store_url, TRACKER_EVENTS) as connection:
        if connection is not None and senders:
            counts["tracker_events"] = connection.execute(
                delete(TRACKER_EVENTS).where(TRACKER_EVENTS.c.sender_id.in_(senders))).rowcount or 0
    with store(settings.action_database_url, ACTION_OUTBOX) as connection:
        if connection is not None and senders:
            counts["action_outbox"] = connection.execute(
                delete(ACTION_OUTBOX).where(ACTION_OUTBOX.c.conversation_id.in_(senders))).rowcount or 0
    record = ErasureRecord(requested_by=request.requested_by.strip()[:120],
                           reference=(request.reference or "").strip()[:120] or None,
                           counts=counts, created_at=utcnow())
    session.add(record)
    session.commit()
    return record
