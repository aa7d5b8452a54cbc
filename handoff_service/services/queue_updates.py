"""Keeping waiting customers informed, through the same outbox as agent replies (so a notice is never lost
while Rasa is down, and never overtakes a message before it): when they move up the queue (once per move),
when they write while waiting (once per run of messages), and crisis lines at once when the bot saw a risk
to their life in what they wrote (the ticket then goes to the front)."""
from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from handoff_service.config import Settings
from handoff_service.models import Message, Priority, Sender, Ticket, TicketStatus
from handoff_service.services.deliveries import enqueue_notice
from handoff_service.services.hooks import message_event_data, stage_event, ticket_event_data
from handoff_service.services.queue import list_queue, queue_key_for, queue_status


def queue_notice(position: int, eta_seconds: int | None) -> str:
    place = "next in the queue" if position == 1 else f"number {position} in the queue"
    if eta_seconds is None:
        return f"A quick update: you're now {place}. I'm still here with you."
    minutes = max(1, round(eta_seconds / 60))
    wait = "about a minute" if minutes == 1 else f"about {minutes} minutes"
    return f"A quick update: you're now {place}; the wait is {wait}. I'm still here with you."


def announce_queue_moves(*, session: Session, settings: Settings) -> int:
    """Tell every customer who moved up since they were last told; returns how many were told.

    Every replica runs this; a customer is told once per move because only the pass whose conditional
    UPDATE moves ``notified_position`` from the value it read goes on to tell them (PostgreSQL re-checks
    the condition after waiting for a concurrent pass's commit; SQLite runs one writer at a time)."""
    told = 0
    for position, ticket in enumerate(list_queue(session=session), start=1):
        known = ticket.notified_position
        if known is not None and position >= known:
            continue
        if not _claim_move(session, ticket, known, position) or known is None:
            continue
        status = queue_status(session=session, ticket=ticket, settings=settings)
        _tell_customer(session=session, ticket=ticket, text=queue_notice(position, status.eta_seconds))
        told += 1
    return told


def _claim_move(session: Session, ticket: Ticket, known: int | None, position: int) -> bool:
    """Move the told position from ``known`` to ``position``; False if another pass already did."""
    unchanged = Ticket.notified_position.is_(None) if known is None else Ticket.notified_position == known
    result = session.execute(
        update(Ticket)
        .where(Ticket.id == ticket.id, Ticket.status == TicketStatus.queued, unchanged)
        .values(notified_position=position)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    set_committed_value(ticket, "notified_position", position)
    return True


WAITING_ACKNOWLEDGEMENT = "Thanks, I've added that to your request, so the colleague who joins will see it."


def waiting_acknowledgement(position: int | None) -> str:
    place = "" if not position else (" You're next in the queue." if position == 1
                                     else f" You're number {position} in the queue.")
    return WAITING_ACKNOWLEDGEMENT + place


def acknowledge_waiting_customer(*, session: Session, settings: Settings, ticket: Ticket) -> Message | None:
    """A customer who writes while waiting hears that it arrived, instead of silence; once per run of
    messages, so three lines in a row get one answer. Call it after storing their message."""
    if ticket.status != TicketStatus.queued:
        return None
    # The latest message not from the customer: if it already acknowledged them, this run was answered.
    latest_other = session.scalars(select(Message).where(Message.ticket_id == ticket.id,
                                                         Message.sender != Sender.customer)
                                   .order_by(Message.id.desc()).limit(1)).first()
    if latest_other is not None and latest_other.text.startswith(WAITING_ACKNOWLEDGEMENT):
        return None
    text = waiting_acknowledgement(queue_status(session=session, ticket=ticket, settings=settings).position)
    return _tell_customer(session=session, ticket=ticket, text=text)


def raise_urgent_risk(*, session: Session, settings: Settings, ticket: Ticket, notice: str) -> Message | None:
    """A waiting customer at risk (the bot saw it in their words) goes to the front of the queue and, while
    nobody has joined, is sent ``notice`` (crisis lines) at once; a person already with them reads it."""
    if ticket.status != TicketStatus.queued:
        return None
    if ticket.priority != Priority.urgent:
        ticket.priority = Priority.urgent
        ticket.queue_key = queue_key_for(Priority.urgent, ticket.queued_at, settings.ageing_minutes_per_level)
        session.flush()
        stage_event(session, "ticket.status", ticket_event_data(ticket))
    return _tell_customer(session=session, ticket=ticket, text=notice)


def urgent_notice_given(*, session: Session, ticket: Ticket, notice: str) -> bool:
    """Whether Heard already sent ``notice`` on this ticket. A relay that finds its message stored already is
    either a retry (the notice went with the first try) or came after the reconciler imported the message from
    the tracker (reconcile.py sends no words of its own): only in the second case are the crisis lines owed."""
    return session.scalar(select(Message.id).where(Message.ticket_id == ticket.id, Message.sender == Sender.system,
                                                   Message.text == notice).limit(1)) is not None


def _tell_customer(*, session: Session, ticket: Ticket, text: str) -> Message:
    """A message from Heard, kept in the conversation for the agent and delivered through the outbox."""
    message = Message(ticket_id=ticket.id, sender=Sender.system, text=text)
    session.add(message)
    session.flush()
    enqueue_notice(session=session, ticket=ticket, text=text, message=message)
    stage_event(session, "ticket.message", message_event_data(message))
    return message
