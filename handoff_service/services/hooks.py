"""Side effects that must wait for COMMIT: live events and waking the outbox worker.

Services stage events on the session; they are published only after the transaction commits,
so a console never hears about a ticket it cannot read yet, and nothing is announced on rollback.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from handoff_service.events import Event, EventBus
from handoff_service.models import Message, Ticket

_PENDING_EVENTS = "heard_pending_events"
_WAKE_OUTBOX = "heard_wake_outbox"
BUS_KEY = "event_bus"
OUTBOX_WAKER_KEY = "outbox_waker"


def stage_event(session: Session, event_type: str, data: dict[str, Any]) -> None:
    session.info.setdefault(_PENDING_EVENTS, []).append(Event(event_type, data))


def stage_outbox_wakeup(session: Session) -> None:
    session.info[_WAKE_OUTBOX] = True


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a SAVEPOINT was released; the outer transaction may still roll back
    pending: list[Event] = session.info.pop(_PENDING_EVENTS, [])
    bus: EventBus | None = session.info.get(BUS_KEY)
    if bus is not None:
        for staged in pending:
            bus.publish(staged)
    if session.info.pop(_WAKE_OUTBOX, False):
        waker: Callable[[], None] | None = session.info.get(OUTBOX_WAKER_KEY)
        if waker is not None:
            waker()


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, previous_transaction: Any) -> None:
    if previous_transaction.parent is None:
        session.info.pop(_PENDING_EVENTS, None)
        session.info.pop(_WAKE_OUTBOX, None)


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def ticket_event_data(ticket: Ticket) -> dict[str, Any]:
    agent = ticket.assigned_agent
    return {
        "ticket_id": ticket.id,
        "conversation_id": ticket.conversation_id,
        "status": ticket.status.value,
        "priority": ticket.priority.value,
        "customer_first_name": ticket.customer_first_name,
        "reasons": list(ticket.reasons or []),
        "intensity": ticket.intensity,
        "dominant_emotion": ticket.dominant_emotion,
        "preferred_mode": ticket.preferred_mode.value,
        "queued_at": _iso(ticket.queued_at),
        "assigned_agent_id": ticket.assigned_agent_id,
        "assigned_agent_name": agent.name if agent is not None else None,
    }


def message_event_data(message: Message) -> dict[str, Any]:
    return {
        "ticket_id": message.ticket_id,
        "message": {
            "id": message.id,
            "sender": message.sender.value,
            "text": message.text,
            "intensity": message.intensity,
            "emotion": message.emotion,
            "band": message.band,
            "created_at": _iso(message.created_at),
        },
    }
