"""Waiting customers are told when they move up the queue: once per move, through the outbox."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from handoff_service.config import Settings
from handoff_service.models import Delivery, DeliveryKind, Message, Sender
from handoff_service.services import claims
from handoff_service.services.queue_updates import announce_queue_moves, queue_notice

from .helpers import make_agent
from .test_ticket_services import new_ticket


def _notices(session: Session, ticket_id: int) -> list[str]:
    rows = session.scalars(select(Delivery).where(Delivery.ticket_id == ticket_id,
                                                  Delivery.kind == DeliveryKind.bot_message)).all()
    return [row.payload["text"] for row in rows]


def test_customers_behind_a_claimed_ticket_hear_their_new_position_once(session: Session, settings: Settings) -> None:
    first, second, third = (new_ticket(session, settings, f"queue-move-{i}") for i in range(3))
    assert [t.notified_position for t in (first, second, third)] == [1, 2, 3]
    assert announce_queue_moves(session=session, settings=settings) == 0  # nobody moved yet
    agent = make_agent(session, "Sam")
    claims.claim_next(session=session, settings=settings, agent_id=agent.id)
    assert announce_queue_moves(session=session, settings=settings) == 2
    assert "you're now next in the queue" in _notices(session, second.id)[0]
    assert "you're now number 2 in the queue" in _notices(session, third.id)[0]
    # The agent sees the same notice in the conversation, as a system message.
    system = session.scalars(select(Message).where(Message.ticket_id == third.id, Message.sender == Sender.system)).all()
    assert [m.text for m in system] == _notices(session, third.id)
    # Nothing changed since: nobody is told again.
    assert announce_queue_moves(session=session, settings=settings) == 0
    assert len(_notices(session, third.id)) == 1


def test_queue_notice_wording():
    assert queue_notice(1, 60) == "A quick update: you're now next in the queue; the wait is about a minute. I'm still here with you."
    assert "number 3" in queue_notice(3, None) and "wait" not in queue_notice(3, None)
