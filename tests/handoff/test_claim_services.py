"""Claim, reply, release, transfer and resolve: allowed transitions only (both backends, rolled back)."""
from __future__ import annotations


import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from handoff_service.config import Settings, replace_settings
from handoff_service.models import Delivery, DeliveryKind, Sender, Ticket, TicketStatus
from handoff_service.services import claims, queue, tickets
from handoff_service.services.errors import Conflict, Forbidden, NotFound
from handoff_service.services.tickets import TicketDraft

from .helpers import make_agent


def queued(session: Session, settings: Settings, conversation_id: str, **kwargs: object) -> Ticket:
    ticket, _ = tickets.create_ticket(
        session=session, settings=settings, draft=TicketDraft(conversation_id=conversation_id, **kwargs)  # type: ignore[arg-type]
    )
    return ticket


@pytest.mark.parametrize("round_", [1, 2])
def test_each_test_starts_from_an_empty_database(session: Session, settings: Settings, round_: int) -> None:
    # Runs twice: the second run proves the first one's committed work was rolled back.
    assert session.scalar(select(func.count(Ticket.id))) == 0
    queued(session, settings, f"isolation-{round_}")
    session.commit()
    assert session.scalar(select(func.count(Ticket.id))) == 1


def test_claim_next_takes_the_head_and_a_second_claim_conflicts(session: Session, settings: Settings) -> None:
    sam, kai = make_agent(session, "Sam"), make_agent(session, "Kai")
    first = queued(session, settings, "c-1")
    second = queued(session, settings, "c-2")
    got = claims.claim_next(session=session, settings=settings, agent_id=sam.id)
    assert got is not None and got.id == first.id
    assert (got.status, got.assigned_agent_id) == (TicketStatus.claimed, sam.id) and got.claimed_at is not None
    with pytest.raises(Conflict):
        claims.claim_ticket(session=session, settings=settings, agent_id=kai.id, ticket_id=first.id)
    assert claims.claim_ticket(session=session, settings=settings, agent_id=kai.id, ticket_id=second.id).assigned_agent_id == kai.id
    assert claims.claim_next(session=session, settings=settings, agent_id=kai.id) is None
    with pytest.raises(NotFound):
        claims.claim_ticket(session=session, settings=settings, agent_id=kai.id, ticket_id=999_999)


def test_only_the_assigned_agent_may_act(session: Session, settings: Settings) -> None:
    sam, kai = make_agent(session, "Sam"), make_agent(session, "Kai")
    ticket = queued(session, settings, "owned")
    claims.claim_ticket(session=session, settings=settings, agent_id=sam.id, ticket_id=ticket.id)
    for action in (
        lambda: claims.reply(session=session, agent=kai, ticket_id=ticket.id, text="hi"),
        lambda: claims.release_ticket(session=session, agent=kai, ticket_id=ticket.id),
        lambda: claims.resolve_ticket(session=session, settings=settings, agent=kai, ticket_id=ticket.id),
        lambda: claims.transfer_ticket(session=session, agent=kai, ticket_id=ticket.id, to_agent_id=kai.id),
    ):
        with pytest.raises(Forbidden):
            action()


def test_wrong_transitions_conflict(session: Session, settings: Settings) -> None:
    sam = make_agent(session, "Sam")
    ticket = queued(session, settings, "transitions")
    with pytest.raises(Conflict):  # not claimed yet
        claims.resolve_ticket(session=session, settings=settings, agent=sam, ticket_id=ticket.id)
    with pytest.raises(Conflict):
        claims.release_ticket(session=session, agent=sam, ticket_id=ticket.id)
    claims.claim_ticket(session=session, settings=settings, agent_id=sam.id, ticket_id=ticket.id)
    claims.resolve_ticket(session=session, settings=settings, agent=sam, ticket_id=ticket.id)
    for action in (
        lambda: claims.resolve_ticket(session=session, settings=settings, agent=sam, ticket_id=ticket.id),
        lambda: claims.claim_ticket(session=session, settings=settings, agent_id=sam.id, ticket_id=ticket.id),
        lambda: claims.reply(session=session, agent=sam, ticket_id=ticket.id, text="after the end"),
    ):
        with pytest.raises(Conflict):
            action()


def test_release_puts_the_ticket_back_at_its_old_place(session: Session, settings: Settings) -> None:
    sam = make_agent(session, "Sam")
    first = queued(session, settings, "r-1")
    queued(session, settings, "r-2")
    claims.claim_next(session=session, settings=settings, agent_id=sam.id)
    released = claims.release_ticket(session=session, agent=sam, ticket_id=first.id)
    assert released.status == TicketStatus.queued and released.assigned_agent_id is None
    assert released.released_at is not None and released.claimed_at is None
    assert queue.list_queue(session=session)[0].id == first.id


def test_transfer_moves_ownership(session: Session, settings: Settings) -> None:
    sam, kai = make_agent(session, "Sam"), make_agent(session, "Kai")
    ticket = queued(session, settings, "transfer")
    claims.claim_ticket(session=session, settings=settings, agent_id=sam.id, ticket_id=ticket.id)
    with pytest.raises(NotFound):
        claims.transfer_ticket(session=session, agent=sam, ticket_id=ticket.id, to_agent_id=987_654)
    moved = claims.transfer_ticket(session=session, agent=sam, ticket_id=ticket.id, to_agent_id=kai.id)
    assert moved.assigned_agent_id == kai.id and moved.transferred_at is not None
    with pytest.raises(Forbidden):
        claims.reply(session=session, agent=sam, ticket_id=ticket.id, text="not mine any more")
    claims.reply(session=session, agent=kai, ticket_id=ticket.id, text="Hello, Kai here")


def test_reply_and_resolve_write_outbox_rows_in_order(session: Session, settings: Settings) -> None:
    settings = replace_settings(settings, join_message="Hi {first_name}, I'm {agent_name}.")
    sam = make_agent(session, "Sam")
    ticket = queued(session, settings, "outbox", customer_first_name="Ann")
    claims.claim_ticket(session=session, settings=settings, agent_id=sam.id, ticket_id=ticket.id)
    message = claims.reply(session=session, agent=sam, ticket_id=ticket.id, text="<script>alert(1)</script> I can help")
    assert message.sender == Sender.agent and message.text.startswith("<script>")  # stored raw
    claims.resolve_ticket(session=session, settings=settings, agent=sam, ticket_id=ticket.id)
    rows = session.scalars(select(Delivery).where(Delivery.ticket_id == ticket.id).order_by(Delivery.id)).all()
    assert [r.kind for r in rows] == [
        DeliveryKind.bot_message,
        DeliveryKind.bot_message,
        DeliveryKind.resume,
        DeliveryKind.trigger_intent,
    ]
    assert rows[0].payload == {"text": "Hi Ann, I'm Sam.", "agent_name": "Sam"}
    assert rows[1].message_id == message.id
    assert rows[3].payload == {"name": "EXTERNAL_handoff_resolved", "entities": {"agent_name": "Sam"}}
    senders = [m.sender for m in tickets.list_messages(session=session, ticket_id=ticket.id)]
    assert senders == [Sender.system, Sender.agent, Sender.agent, Sender.system]


@pytest.mark.parametrize("first_name, expected", [(None, "there"), ("", "there"), ("Zoë", "Zoë")])
def test_claim_writes_joined_then_greeting_with_its_outbox_row(
    session: Session, settings: Settings, first_name: str | None, expected: str
) -> None:
    # On PostgreSQL these rows come from one statement; on SQLite from several: both must agree.
    settings = replace_settings(settings, join_message="{first_name}, {agent_name} here. {first_name}?")
    agent = make_agent(session, "O'Brien {x} %s")
    ticket = queued(session, settings, f"greet-{first_name!r}", customer_first_name=first_name)
    assert claims.claim_next(session=session, settings=settings, agent_id=agent.id) is not None
    messages = tickets.list_messages(session=session, ticket_id=ticket.id)
    greeting = f"{expected}, O'Brien {{x}} %s here. {expected}?"
    assert [(m.sender, m.text) for m in messages] == [
        (Sender.system, "O'Brien {x} %s joined the conversation."),
        (Sender.agent, greeting),
    ]
    assert messages[1].agent_id == agent.id
    (delivery,) = session.scalars(select(Delivery).where(Delivery.ticket_id == ticket.id)).all()
    assert (delivery.kind, delivery.message_id, delivery.conversation_id) == (
        DeliveryKind.bot_message, messages[1].id, ticket.conversation_id)
    assert delivery.payload == {"text": greeting, "agent_name": "O'Brien {x} %s"}


def test_claim_without_a_greeting_writes_no_outbox_row(session: Session, settings: Settings) -> None:
    settings = replace_settings(settings, join_message="")
    sam = make_agent(session, "Sam")
    ticket = queued(session, settings, "no-greeting")
    assert claims.claim_ticket(session=session, settings=settings, agent_id=sam.id, ticket_id=ticket.id).id == ticket.id
    assert [m.sender for m in tickets.list_messages(session=session, ticket_id=ticket.id)] == [Sender.system]
    assert session.scalar(select(func.count(Delivery.id)).where(Delivery.ticket_id == ticket.id)) == 0
