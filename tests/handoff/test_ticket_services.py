"""Ticket and queue services on both backends (each test rolled back)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from handoff_service.config import Settings, replace_settings
from handoff_service.models import (
    Delivery,
    DeliveryKind,
    PreferredMode,
    Priority,
    Sender,
    Ticket,
    TicketStatus,
    utcnow,
)
from handoff_service.services import claims, queue, surveys, tickets
from handoff_service.services.errors import Conflict
from handoff_service.services.tickets import TicketDraft
from .helpers import make_agent


def new_ticket(session: Session, settings: Settings, conversation_id: str, **kwargs: object) -> Ticket:
    ticket, created = tickets.create_ticket(
        session=session, settings=settings, draft=TicketDraft(conversation_id=conversation_id, **kwargs)  # type: ignore[arg-type]
    )
    assert created
    return ticket


def test_creating_again_returns_the_open_ticket(session: Session, settings: Settings) -> None:
    first = new_ticket(session, settings, "conv-1", customer_first_name="Ann")
    again, created = tickets.create_ticket(session=session, settings=settings, draft=TicketDraft(conversation_id="conv-1"))
    assert not created and again.id == first.id
    tickets.abandon_ticket(session=session, settings=settings, ticket=first)
    third = new_ticket(session, settings, "conv-1")
    assert third.id != first.id


def test_database_itself_refuses_a_second_open_ticket(session: Session, settings: Settings) -> None:
    first = new_ticket(session, settings, "conv-dup")
    duplicate = Ticket(conversation_id="conv-dup", queue_key=utcnow(), status=TicketStatus.queued)
    with pytest.raises(IntegrityError):
        with session.begin_nested():
            session.add(duplicate)
    # A closed ticket for the same conversation does not count.
    session.execute(update(Ticket).where(Ticket.id == first.id).values(status=TicketStatus.resolved))
    with session.begin_nested():
        session.add(Ticket(conversation_id="conv-dup", queue_key=utcnow(), status=TicketStatus.queued))


def test_summary_is_computed_when_the_bot_sends_none(session: Session, settings: Settings) -> None:
    transcript = [
        {"sender": "customer", "text": "Hi."},
        {"sender": "customer", "text": "My car was stolen from outside my house on Friday and I'm panicking!", "intensity": 0.8},
    ]
    computed = new_ticket(session, settings, "conv-s1", transcript=transcript)
    assert computed.summary_source == "understood"
    assert "car was stolen" in computed.summary
    given = new_ticket(session, settings, "conv-s2", transcript=transcript, summary="Stolen car, customer anxious")
    assert (given.summary, given.summary_source) == ("Stolen car, customer anxious", "bot")


def test_customer_messages_are_ordered_and_idempotent(session: Session, settings: Settings) -> None:
    ticket = new_ticket(session, settings, "conv-m")
    first, created1 = tickets.add_customer_message(session=session, ticket=ticket, text="one", external_id="m-1")
    retry, created2 = tickets.add_customer_message(session=session, ticket=ticket, text="one", external_id="m-1")
    second, _ = tickets.add_customer_message(session=session, ticket=ticket, text="<b>two</b>")
    assert created1 and not created2 and retry.id == first.id
    stored = tickets.list_messages(session=session, ticket_id=ticket.id)
    assert [(m.sender, m.text) for m in stored] == [(Sender.customer, "one"), (Sender.customer, "<b>two</b>")]
    tickets.abandon_ticket(session=session, settings=settings, ticket=ticket)
    with pytest.raises(Conflict):
        tickets.add_customer_message(session=session, ticket=ticket, text="too late")


def test_queue_orders_by_priority_with_ageing(session: Session, settings: Settings) -> None:
    settings = replace_settings(settings, ageing_minutes_per_level=10)
    old_low = new_ticket(session, settings, "low-old", priority=Priority.low)
    urgent = new_ticket(session, settings, "urgent", priority=Priority.urgent)
    normal = new_ticket(session, settings, "normal", priority=Priority.normal)
    # The low ticket has waited 45 minutes: more than 3 levels * 10 minutes, so it beats a fresh urgent.
    queued_at = utcnow() - timedelta(minutes=45)
    old_low.queued_at = queued_at
    old_low.queue_key = queue.queue_key_for(Priority.low, queued_at, settings.ageing_minutes_per_level)
    session.flush()
    order = [t.id for t in queue.list_queue(session=session)]
    assert order.index(old_low.id) < order.index(urgent.id) < order.index(normal.id)
    assert queue.tickets_ahead(session=session, ticket=normal) == order.index(normal.id)


def test_eta_uses_recent_handling_time_and_agents_online(session: Session, settings: Settings) -> None:
    agent = make_agent(session, "Sam")
    make_agent(session, "Kai")
    done = new_ticket(session, settings, "handled")
    claims.claim_ticket(session=session, settings=settings, agent_id=agent.id, ticket_id=done.id)
    now = utcnow()
    done.claimed_at, done.resolved_at, done.status = now - timedelta(seconds=600), now, TicketStatus.resolved
    session.flush()
    waiting = [new_ticket(session, settings, f"wait-{i}") for i in range(4)]
    status = queue.queue_status(session=session, ticket=waiting[3], settings=settings)
    # 3 ahead, 2 agents online and free: (3 + 1 - 2) / 2 * 600 s
    assert (status.position, status.ahead, status.eta_seconds) == (4, 3, 600)
    assert status.availability.agents_online == 2 and status.availability.offline_option is None


def test_honest_answer_when_nobody_is_online_or_closed(session: Session, settings: Settings) -> None:
    ticket = new_ticket(session, settings, "nobody")
    status = queue.queue_status(session=session, ticket=ticket, settings=settings)
    assert status.eta_seconds is None
    assert status.availability.agents_online == 0 and status.availability.offline_option == "callback"
    make_agent(session, "Sam")
    closed = replace_settings(settings, business_hours="mon 09:00-09:01")
    avail = queue.availability(session=session, settings=closed, now=utcnow().replace(hour=12))
    assert not avail.within_hours and avail.next_opening is not None and avail.offline_option == "callback"


def test_callback_requests_are_kept_and_stale_live_waits_expire(session: Session, settings: Settings) -> None:
    stale = new_ticket(session, settings, "stale")
    callback = new_ticket(session, settings, "callback")
    fresh = new_ticket(session, settings, "fresh")
    tickets.request_callback(session=session, ticket=callback, phone="+44 7700 900123", preferred_time="after 5pm")
    long_ago = utcnow() - timedelta(minutes=settings.queue_max_age_minutes + 5)
    for t in (stale, callback):
        t.queued_at = long_ago
    session.flush()
    expired = tickets.expire_stale_tickets(session=session, settings=settings)
    assert [t.id for t in expired] == [stale.id]
    session.refresh(stale), session.refresh(callback), session.refresh(fresh)
    assert stale.status == TicketStatus.expired and stale.expired_at is not None
    assert callback.status == TicketStatus.queued and callback.preferred_mode == PreferredMode.callback
    assert fresh.status == TicketStatus.queued
    kinds = session.scalars(select(Delivery.kind).where(Delivery.ticket_id == stale.id).order_by(Delivery.id)).all()
    assert kinds == [DeliveryKind.resume, DeliveryKind.trigger_intent]


def test_abandon_resumes_the_bot_and_lets_it_confirm(session: Session, settings: Settings) -> None:
    ticket = new_ticket(session, settings, "abandon")
    tickets.abandon_ticket(session=session, settings=settings, ticket=ticket)
    assert ticket.status == TicketStatus.abandoned and ticket.abandoned_at is not None
    rows = session.scalars(select(Delivery).where(Delivery.ticket_id == ticket.id)).all()
    assert [r.kind for r in rows] == [DeliveryKind.resume, DeliveryKind.trigger_intent]
    assert rows[1].payload["name"] == "EXTERNAL_handoff_abandoned"
    with pytest.raises(Conflict):
        tickets.abandon_ticket(session=session, settings=settings, ticket=ticket)


def test_one_survey_per_conversation_and_ticket(session: Session, settings: Settings) -> None:
    ticket = new_ticket(session, settings, "survey")
    first, created = surveys.store_survey(session=session, conversation_id="survey", score=9, comment="Kind")
    again, created_again = surveys.store_survey(session=session, conversation_id="survey", score=2, comment=None)
    assert created and not created_again and again.id == first.id and again.score == 9
    assert first.ticket_id == ticket.id
    with pytest.raises(Conflict):
        surveys.store_survey(session=session, conversation_id="other", score=5, comment=None, ticket_id=ticket.id)
