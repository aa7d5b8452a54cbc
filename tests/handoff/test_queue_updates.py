"""Waiting customers are told when they move up the queue, once per move, and that what they write while
waiting has reached their request, once per run of messages; all through the outbox."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from handoff_service.config import Settings
from handoff_service.models import Delivery, DeliveryKind, Message, Priority, Sender
from handoff_service.services import claims, tickets
from handoff_service.services.queue_updates import (
    acknowledge_waiting_customer,
    announce_queue_moves,
    queue_notice,
    raise_urgent_risk,
    waiting_acknowledgement,
)

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


def _write(session: Session, settings: Settings, ticket, text: str):
    tickets.add_customer_message(session=session, ticket=ticket, text=text)
    return acknowledge_waiting_customer(session=session, settings=settings, ticket=ticket)


def test_writing_while_waiting_is_acknowledged_once_per_run_of_messages(session: Session, settings: Settings) -> None:
    ahead = new_ticket(session, settings, "ack-ahead")
    ticket = new_ticket(session, settings, "ack-waiting")
    first = _write(session, settings, ticket, "my claim is for the water damage")
    assert first is not None and first.sender == Sender.system
    assert _notices(session, ticket.id) == [waiting_acknowledgement(2)]
    assert "number 2 in the queue" in first.text
    assert _write(session, settings, ticket, "and the ceiling is sagging") is None  # same run: no second answer
    assert len(_notices(session, ticket.id)) == 1
    agent = make_agent(session, "Sam")
    claims.claim_next(session=session, settings=settings, agent_id=agent.id)  # takes the ticket ahead
    announce_queue_moves(session=session, settings=settings)  # "you're now next": a new run starts after it
    assert "next in the queue" in _write(session, settings, ticket, "still here").text
    assert ahead.status.value == "claimed" and _write(session, settings, ahead, "hello?") is None  # a person is there


def test_waiting_acknowledgement_wording():
    assert waiting_acknowledgement(1).endswith("You're next in the queue.")
    assert waiting_acknowledgement(None) == ("Thanks, I've added that to your request, so the colleague who joins "
                                             "will see it.")


def test_a_waiting_customer_at_risk_goes_first_and_hears_the_crisis_lines(session: Session, settings: Settings) -> None:
    ahead = new_ticket(session, settings, "risk-ahead", priority=Priority.high)
    ticket = new_ticket(session, settings, "risk-waiting")
    tickets.add_customer_message(session=session, ticket=ticket, text="I can't go on like this")
    notice = raise_urgent_risk(session=session, settings=settings, ticket=ticket, notice="Samaritans: 116 123")
    assert notice is not None and _notices(session, ticket.id) == ["Samaritans: 116 123"]
    assert ticket.priority == Priority.urgent and ticket.queue_key < ahead.queue_key
    agent = make_agent(session, "Sam")
    assert claims.claim_next(session=session, settings=settings, agent_id=agent.id).id == ticket.id
    # Once a person is with them, the person answers: nothing automatic interrupts.
    assert raise_urgent_risk(session=session, settings=settings, ticket=ticket, notice="again") is None
    assert _notices(session, ticket.id) == ["Samaritans: 116 123"]
