"""Tickets from the bot's side: create (one open per conversation), customer messages, abandon, callback, expiry."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from handoff_service.config import Settings
from handoff_service.models import (
    OPEN_STATUSES,
    Message,
    PreferredMode,
    Priority,
    Sender,
    Ticket,
    TicketStatus,
    utcnow,
)
from handoff_service.services.deliveries import enqueue_resume
from handoff_service.services.errors import Conflict, NotFound
from handoff_service.services.hooks import message_event_data, stage_event, ticket_event_data
from handoff_service.services.queue import queue_key_for, tickets_ahead
from handoff_service.services.transitions import conditional_update
from handoff_service.understood import searchable_text, understand


@dataclass
class TicketDraft:
    conversation_id: str
    channel: str = "unknown"
    customer_first_name: str | None = None
    reasons: list[str] = field(default_factory=list)
    priority: Priority = Priority.normal
    intensity: float | None = None
    dominant_emotion: str | None = None
    emotion_timeline: list[dict[str, Any]] = field(default_factory=list)
    summary: str | None = None
    slots: dict[str, Any] = field(default_factory=dict)
    transcript: list[dict[str, Any]] = field(default_factory=list)
    preferred_mode: PreferredMode = PreferredMode.chat
    callback_phone: str | None = None
    callback_time: str | None = None
    trigger: str | None = None
    trigger_words: str | None = None
    customer_context: dict[str, Any] | None = None


def get_ticket(*, session: Session, ticket_id: int) -> Ticket:
    ticket = session.get(Ticket, ticket_id)
    if ticket is None:
        raise NotFound(f"Ticket {ticket_id} does not exist")
    return ticket


def find_open_ticket(*, session: Session, conversation_id: str) -> Ticket | None:
    stmt = select(Ticket).where(Ticket.conversation_id == conversation_id, Ticket.status.in_(OPEN_STATUSES))
    return session.scalars(stmt).first()


def get_open_ticket(*, session: Session, conversation_id: str) -> Ticket:
    ticket = find_open_ticket(session=session, conversation_id=conversation_id)
    if ticket is None:
        raise NotFound(f"Conversation {conversation_id!r} has no open ticket")
    return ticket


LATE_MESSAGE_SECONDS = 300


def ticket_for_customer_message(*, session: Session, conversation_id: str) -> Ticket:
    """The open ticket, or one resolved moments ago: a message the customer sent while the agent
    was resolving still belongs to that conversation with the person, so it is kept and shown."""
    ticket = find_open_ticket(session=session, conversation_id=conversation_id)
    if ticket is not None:
        return ticket
    stmt = (select(Ticket).where(Ticket.conversation_id == conversation_id, Ticket.status == TicketStatus.resolved,
                                 Ticket.resolved_at >= utcnow() - timedelta(seconds=LATE_MESSAGE_SECONDS))
            .order_by(Ticket.resolved_at.desc()))
    ticket = session.scalars(stmt).first()
    if ticket is None:
        raise NotFound(f"Conversation {conversation_id!r} has no open ticket")
    return ticket


def _accepts_messages(ticket: Ticket) -> bool:
    if ticket.status in OPEN_STATUSES:
        return True
    return (ticket.status == TicketStatus.resolved and ticket.resolved_at is not None
            and ticket.resolved_at >= utcnow() - timedelta(seconds=LATE_MESSAGE_SECONDS))


def create_ticket(*, session: Session, settings: Settings, draft: TicketDraft) -> tuple[Ticket, bool]:
    """Returns (ticket, created). Creating again while one is open returns the open one."""
    existing = find_open_ticket(session=session, conversation_id=draft.conversation_id)
    if existing is not None:
        return existing, False
    now = utcnow()
    summary = (draft.summary or "").strip()
    source = "bot"
    if not summary:
        understood = understand(transcript=draft.transcript, slots=draft.slots, reasons=draft.reasons,
                                trigger=draft.trigger, preferred_mode=draft.preferred_mode.value,
                                customer_context=draft.customer_context)
        summary, source = understood.as_text(), "understood"
    ticket = Ticket(
        conversation_id=draft.conversation_id,
        channel=draft.channel,
        customer_first_name=draft.customer_first_name,
        reasons=list(draft.reasons),
        priority=draft.priority,
        intensity=draft.intensity,
        dominant_emotion=draft.dominant_emotion,
        emotion_timeline=list(draft.emotion_timeline),
        summary=summary,
        summary_source=source,
        slots=dict(draft.slots),
        transcript=list(draft.transcript),
        preferred_mode=draft.preferred_mode,
        callback_phone=draft.callback_phone,
        callback_time=draft.callback_time,
        trigger=draft.trigger,
        trigger_words=draft.trigger_words,
        customer_context=draft.customer_context,
        search_text=searchable_text(transcript=draft.transcript, slots=draft.slots,
                                    customer_first_name=draft.customer_first_name,
                                    customer_context=draft.customer_context),
        status=TicketStatus.queued,
        created_at=now,
        queued_at=now,
        queue_key=queue_key_for(draft.priority, now, settings.ageing_minutes_per_level),
    )
    try:
        with session.begin_nested():
            session.add(ticket)
    except IntegrityError:
        # Another request created the open ticket between our check and insert: the index decided.
        existing = find_open_ticket(session=session, conversation_id=draft.conversation_id)
        if existing is None:
            raise
        return existing, False
    if ticket.preferred_mode == PreferredMode.video:
        # The customer's and the agent's browsers meet here (handoff_service/api/video.py).
        ticket.video_room = f"/api/v1/video/{ticket.id}/signal"
    # The bot tells the customer this position now; later moves are announced by queue_updates.
    ticket.notified_position = tickets_ahead(session=session, ticket=ticket) + 1
    stage_event(session, "ticket.created", ticket_event_data(ticket))
    return ticket, True


def list_messages(*, session: Session, ticket_id: int, after_id: int = 0) -> list[Message]:
    stmt = select(Message).where(Message.ticket_id == ticket_id, Message.id > after_id).order_by(Message.id)
    return list(session.scalars(stmt))


def add_system_message(*, session: Session, ticket: Ticket, text: str) -> Message:
    message = Message(ticket_id=ticket.id, sender=Sender.system, text=text, created_at=utcnow())
    session.add(message)
    session.flush()
    stage_event(session, "ticket.message", message_event_data(message))
    return message


def record_bot_messages(*, session: Session, ticket_id: int, texts: list[str]) -> list[Message]:
    """What the bot said when the conversation came back to it, kept as system messages."""
    messages = [Message(ticket_id=ticket_id, sender=Sender.system, text=text, created_at=utcnow()) for text in texts]
    session.add_all(messages)
    session.flush()
    for message in messages:
        stage_event(session, "ticket.message", message_event_data(message))
    return messages


@dataclass(frozen=True)
class MessageEmotion:
    """What the bot read in a customer message: it extends the console's emotion timeline live."""

    intensity: float | None = None
    emotion: str | None = None
    band: str | None = None


def add_customer_message(
    *, session: Session, ticket: Ticket, text: str, external_id: str | None = None,
    emotion: MessageEmotion | None = None,
) -> tuple[Message, bool]:
    """Returns (message, created). A repeated ``external_id`` returns the stored message unchanged."""
    if external_id is not None:
        existing = _message_by_external_id(session=session, ticket_id=ticket.id, external_id=external_id)
        if existing is not None:
            return existing, False
    if not _accepts_messages(ticket):
        raise Conflict(f"Ticket {ticket.id} is {ticket.status.value}; it no longer accepts messages")
    emotion = emotion or MessageEmotion()
    message = Message(
        ticket_id=ticket.id, sender=Sender.customer, text=text, external_id=external_id, created_at=utcnow(),
        intensity=emotion.intensity, emotion=emotion.emotion, band=emotion.band,
    )
    try:
        with session.begin_nested():
            session.add(message)
    except IntegrityError:
        if external_id is None:
            raise
        existing = _message_by_external_id(session=session, ticket_id=ticket.id, external_id=external_id)
        if existing is None:
            raise
        return existing, False
    stage_event(session, "ticket.message", message_event_data(message))
    return message, True


def _message_by_external_id(*, session: Session, ticket_id: int, external_id: str) -> Message | None:
    stmt = select(Message).where(Message.ticket_id == ticket_id, Message.external_id == external_id)
    return session.scalars(stmt).first()


def _close(*, session: Session, ticket: Ticket, status: TicketStatus, allowed_from: tuple[TicketStatus, ...]) -> Ticket:
    closed = conditional_update(
        session=session,
        ticket_id=ticket.id,
        allowed_from=allowed_from,
        values={"status": status, f"{status.value}_at": utcnow()},
    )
    if closed is None:
        session.refresh(ticket)
        raise Conflict(f"Ticket {ticket.id} is {ticket.status.value}; it cannot become {status.value}")
    stage_event(session, "ticket.status", ticket_event_data(closed))
    return closed


def abandon_ticket(*, session: Session, settings: Settings, ticket: Ticket) -> Ticket:
    """The customer gave up (cancelled while waiting, or left). Hands the conversation back to the bot."""
    ticket = _close(session=session, ticket=ticket, status=TicketStatus.abandoned, allowed_from=OPEN_STATUSES)
    add_system_message(session=session, ticket=ticket, text="The customer left the queue.")
    enqueue_resume(session=session, ticket=ticket, intent=settings.abandoned_intent or None, entities={})
    return ticket


def request_callback(*, session: Session, ticket: Ticket, phone: str, preferred_time: str | None) -> Ticket:
    """Turn a live wait into a callback request; the ticket keeps its place and is not expired."""
    if ticket.status != TicketStatus.queued:
        raise Conflict(f"Ticket {ticket.id} is {ticket.status.value}; only a queued ticket can become a callback")
    ticket.preferred_mode = PreferredMode.callback
    ticket.callback_phone = phone
    ticket.callback_time = preferred_time
    session.flush()
    add_system_message(session=session, ticket=ticket, text="The customer asked for a call back instead of waiting.")
    stage_event(session, "ticket.status", ticket_event_data(ticket))
    return ticket


def expire_stale_tickets(*, session: Session, settings: Settings, now: datetime | None = None) -> list[Ticket]:
    """Queued live-chat/video tickets older than HANDOFF_QUEUE_MAX_AGE_MINUTES become expired.

    Callback requests are kept: they are an explicit promise to call back, not a live wait.
    """
    now = now or utcnow()
    cutoff = now - timedelta(minutes=settings.queue_max_age_minutes)
    stmt = (
        update(Ticket)
        .where(
            Ticket.status == TicketStatus.queued,
            Ticket.queued_at < cutoff,
            Ticket.preferred_mode != PreferredMode.callback,
        )
        .values(status=TicketStatus.expired, expired_at=now)
        .returning(Ticket.id)
        .execution_options(synchronize_session=False)
    )
    expired_ids = sorted(session.scalars(stmt).all())
    expired: list[Ticket] = []
    for ticket_id in expired_ids:
        ticket = session.get(Ticket, ticket_id, populate_existing=True)
        assert ticket is not None
        stage_event(session, "ticket.status", ticket_event_data(ticket))
        add_system_message(session=session, ticket=ticket, text="Nobody could take this conversation in time.")
        enqueue_resume(session=session, ticket=ticket, intent=settings.expired_intent or None, entities={})
        expired.append(ticket)
    return expired
