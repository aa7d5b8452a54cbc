"""Outbox rows: written in the same transaction as the change that causes them, sent later by the worker.

Per conversation, rows are sent strictly in id order: the worker only ever looks at the oldest
pending row of each conversation, so message N+1 never overtakes message N. Any number of workers
(one per replica) may run: a row is sent only under a lease taken by a conditional UPDATE.
Rows that fail are shown to the agent (``delivery_problems``); a failed one can be retried.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, literal, or_, select, update
from sqlalchemy.orm import Session

from handoff_service.models import Delivery, DeliveryKind, DeliveryStatus, Message, Ticket, UTCDateTime, utcnow
from handoff_service.services.errors import Conflict, NotFound
from handoff_service.services.hooks import stage_event, stage_outbox_wakeup


def _enqueue(
    *, session: Session, ticket: Ticket, kind: DeliveryKind, payload: dict[str, Any], message: Message | None = None
) -> Delivery:
    delivery = Delivery(
        conversation_id=ticket.conversation_id,
        ticket_id=ticket.id,
        message_id=message.id if message is not None else None,
        kind=kind,
        payload=payload,
        next_attempt_at=utcnow(),
    )
    session.add(delivery)
    session.flush()
    stage_outbox_wakeup(session)
    return delivery


def enqueue_bot_message(*, session: Session, ticket: Ticket, text: str, agent_name: str, message: Message) -> Delivery:
    return _enqueue(
        session=session,
        ticket=ticket,
        kind=DeliveryKind.bot_message,
        payload={"text": text, "agent_name": agent_name},
        message=message,
    )


def enqueue_notice(*, session: Session, ticket: Ticket, text: str, message: Message) -> Delivery:
    """A message from Heard itself (not from a person), e.g. a queue update."""
    return _enqueue(session=session, ticket=ticket, kind=DeliveryKind.bot_message, payload={"text": text},
                    message=message)


def enqueue_resume(*, session: Session, ticket: Ticket, intent: str | None, entities: dict[str, Any]) -> list[Delivery]:
    """Hand the conversation back to the bot, optionally triggering an intent (e.g. ask for a TNPS score)."""
    rows = [_enqueue(session=session, ticket=ticket, kind=DeliveryKind.resume, payload={})]
    if intent:
        rows.append(
            _enqueue(
                session=session,
                ticket=ticket,
                kind=DeliveryKind.trigger_intent,
                payload={"name": intent, "entities": entities},
            )
        )
    return rows


def due_deliveries(*, session: Session, now: datetime | None = None, limit: int = 50) -> list[Delivery]:
    """The oldest pending row of each conversation, if it is due and not leased by another worker."""
    now = now or utcnow()
    heads = (
        select(func.min(Delivery.id))
        .where(Delivery.status == DeliveryStatus.pending)
        .group_by(Delivery.conversation_id)
        .scalar_subquery()
    )
    stmt = (
        select(Delivery)
        .where(
            Delivery.id.in_(heads),
            Delivery.next_attempt_at <= now,
            or_(Delivery.locked_until.is_(None), Delivery.locked_until < now),
        )
        .order_by(Delivery.id)
        .limit(limit)
    )
    return list(session.scalars(stmt))


@dataclass(frozen=True)
class Lease:
    """The row's counters as the lease left them: the truth, whatever a worker's earlier read said."""

    attempts: int
    attempts_before_retry: int
    first_attempt_at: datetime


def lease_delivery(*, session: Session, delivery_id: int, lease_seconds: float,
                   now: datetime | None = None) -> Lease | None:
    """Take a short lease and count the attempt; None if another worker holds it, or sent or rescheduled it
    since this worker read the row (its copy is stale: the attempt number must come from here)."""
    now = now or utcnow()
    result = session.execute(
        update(Delivery)
        .where(
            Delivery.id == delivery_id,
            Delivery.status == DeliveryStatus.pending,
            Delivery.next_attempt_at <= now,
            or_(Delivery.locked_until.is_(None), Delivery.locked_until < now),
        )
        .values(
            locked_until=now + timedelta(seconds=lease_seconds),
            attempts=Delivery.attempts + 1,
            first_attempt_at=func.coalesce(Delivery.first_attempt_at, literal(now, UTCDateTime)),
        )
        .returning(Delivery.attempts, Delivery.attempts_before_retry, Delivery.first_attempt_at)
        .execution_options(synchronize_session=False)
    )
    row = result.first()
    return Lease(row.attempts, row.attempts_before_retry, row.first_attempt_at) if row is not None else None


def mark_delivered(*, session: Session, delivery_id: int) -> None:
    delivery = session.get(Delivery, delivery_id, populate_existing=True)
    had_error = delivery is not None and delivery.last_error is not None
    session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id)
        .values(status=DeliveryStatus.delivered, delivered_at=utcnow(), locked_until=None, last_error=None)
        .execution_options(synchronize_session=False)
    )
    if had_error and delivery is not None:
        _announce(session, delivery, "delivered")


def mark_retry(*, session: Session, delivery_id: int, error: str, retry_at: datetime, give_up: bool) -> None:
    session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id)
        .values(
            status=DeliveryStatus.failed if give_up else DeliveryStatus.pending,
            next_attempt_at=retry_at,
            locked_until=None,
            last_error=error[:2000],
        )
        .execution_options(synchronize_session=False)
    )
    delivery = session.get(Delivery, delivery_id, populate_existing=True)
    if delivery is not None:
        _announce(session, delivery, "failed" if give_up else "retrying")


def delivery_problems(*, session: Session, ticket_id: int) -> list[Delivery]:
    """What the agent must see: rows that failed for good, and rows still retrying after an error."""
    stmt = (
        select(Delivery)
        .where(
            Delivery.ticket_id == ticket_id,
            or_(Delivery.status == DeliveryStatus.failed,
                (Delivery.status == DeliveryStatus.pending) & Delivery.last_error.is_not(None)),
        )
        .order_by(Delivery.id)
    )
    return list(session.scalars(stmt))


def retry_delivery(*, session: Session, ticket_id: int, delivery_id: int, now: datetime | None = None) -> Delivery:
    """An agent asks to send a failed row again: it goes back to pending, due now, with a fresh retry budget."""
    delivery = session.get(Delivery, delivery_id)
    if delivery is None or delivery.ticket_id != ticket_id:
        raise NotFound("No such delivery on this ticket")
    result = session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id, Delivery.status == DeliveryStatus.failed)
        .values(status=DeliveryStatus.pending, next_attempt_at=now or utcnow(), locked_until=None,
                attempts_before_retry=Delivery.attempts)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise Conflict("Only a delivery that failed can be retried")
    session.refresh(delivery)
    stage_outbox_wakeup(session)
    _announce(session, delivery, "retrying")
    return delivery


def _announce(session: Session, delivery: Delivery, state: str) -> None:
    if delivery.ticket_id is not None:
        stage_event(session, "ticket.delivery", {"ticket_id": delivery.ticket_id, "delivery_id": delivery.id,
                                                 "state": state})
