"""PostgreSQL: a claim and everything it causes in ONE statement (data-modifying CTEs).

Claiming is the queue's hot path. Sent one by one, its writes (the claim, "Sam joined the conversation.", the
agent's greeting and the greeting's outbox row) cost four round trips and four statements per claim; at 50
agents that, not locking, capped the service path far below the bare claim. Folded into one statement they
stay atomic (one transaction, the outbox row exists iff the claim does) and cost one round trip.

SQLite cannot put INSERT/UPDATE inside WITH; ``claims`` writes the same rows one by one there.
"""
from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from sqlalchemy import ColumnElement, Integer, Select, String, bindparam, func, insert, literal, select, true, update
from sqlalchemy.orm import Session, lazyload

from handoff_service.config import Settings
from handoff_service.models import (
    Agent,
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    Message,
    Sender,
    Ticket,
    TicketStatus,
    UTCDateTime,
    utcnow,
)
from handoff_service.services.queue import queue_order


def joined_text(agent: Agent) -> str:
    return f"{agent.name} joined the conversation."


def greeting_text(template: str, *, agent_name: str, first_name: str | None) -> str:
    return template.format_map({"agent_name": agent_name, "first_name": first_name or "there"})


def _greeting_parts(template: str, agent_name: str) -> list[str]:
    """The template filled with everything but the first name, cut where the first name goes."""
    marker = "\x00"
    return template.format_map({"agent_name": agent_name, "first_name": marker}).split(marker)


def _greeting_sql(template: str, first_name: ColumnElement[str]) -> ColumnElement[str]:
    """The greeting as SQL: the customer's first name is only known once the row is claimed."""
    count = len(_greeting_parts(template, ""))
    name = func.coalesce(func.nullif(first_name, ""), literal("there", String))
    text: ColumnElement[str] = bindparam("greeting_0", type_=String)
    for index in range(1, count):
        text = text + name + bindparam(f"greeting_{index}", type_=String)
    return text


def _typed(value: object, column: ColumnElement) -> ColumnElement:
    return literal(value, column.type)


@lru_cache(maxsize=16)
def _statement(greeting_template: str, by_id: bool) -> tuple[Select, bool]:
    """Built once per shape and reused: constructing these CTEs costs more Python time than running them.

    Core throughout (``tickets`` the table, not the ORM entity), mapped to ``Ticket`` by ``from_statement``:
    an ORM entity aliased to the CTE sometimes compiled against "tickets" instead of "claimed" when threads
    first compiled the shared statement at the same time (a cartesian product, several rows).
    """
    tickets = Ticket.__table__
    now = bindparam("now", type_=UTCDateTime)
    agent_id = bindparam("agent_id", type_=Integer)
    if by_id:
        target = tickets.c.id == bindparam("ticket_id", type_=Integer)
    else:
        head = select(tickets.c.id).where(tickets.c.status == TicketStatus.queued).order_by(*queue_order()).limit(1)
        target = tickets.c.id == head.with_for_update(skip_locked=True).scalar_subquery()
    claimed = (
        update(tickets)
        .where(target, tickets.c.status == TicketStatus.queued)
        .values(status=TicketStatus.claimed, claimed_at=now, assigned_agent_id=agent_id)
        .returning(*tickets.c)
        .cte("claimed")
    )
    messages = Message.__table__
    joined = (
        insert(messages)
        .from_select(
            ["ticket_id", "sender", "text", "created_at"],
            select(claimed.c.id, _typed(Sender.system, messages.c.sender), bindparam("joined", type_=String), now),
        )
        .returning(messages.c.ticket_id)
        .cte("joined")
    )
    # The agent is in the session already; no JOIN for its eager load.
    as_ticket = (lazyload(Ticket.assigned_agent),)
    if not greeting_template:
        core = select(*claimed.c).add_cte(joined)
        return select(Ticket).options(*as_ticket).from_statement(core).execution_options(populate_existing=True), False
    greeting = (
        insert(messages)
        .from_select(
            ["ticket_id", "sender", "agent_id", "text", "created_at"],
            select(
                claimed.c.id,
                _typed(Sender.agent, messages.c.sender),
                agent_id,
                _greeting_sql(greeting_template, claimed.c.customer_first_name),
                now,
                # Reading "joined" orders the two inserts: "Sam joined" gets the lower id.
            ).select_from(claimed.join(joined, joined.c.ticket_id == claimed.c.id)),
        )
        .returning(messages.c.id, messages.c.ticket_id, messages.c.text)
        .cte("greeting")
    )
    deliveries = Delivery.__table__
    outbox = insert(deliveries).from_select(
        ["conversation_id", "ticket_id", "message_id", "kind", "payload", "status", "attempts",
         "next_attempt_at", "created_at"],
        select(
            claimed.c.conversation_id,
            claimed.c.id,
            greeting.c.id,
            _typed(DeliveryKind.bot_message, deliveries.c.kind),
            func.json_build_object("text", greeting.c.text, "agent_name", bindparam("agent_name", type_=String)),
            _typed(DeliveryStatus.pending, deliveries.c.status),
            literal(0, Integer),
            now,
            now,
        ).select_from(claimed.join(greeting, greeting.c.ticket_id == claimed.c.id)),
    ).cte("outbox")
    core = (
        select(*claimed.c, greeting.c.id.label("greeting_id"), greeting.c.text.label("greeting_text"))
        .select_from(claimed)
        .outerjoin(greeting, true())
        .add_cte(joined, outbox)
    )
    query = select(Ticket, core.selected_columns.greeting_id, core.selected_columns.greeting_text)
    return query.options(*as_ticket).from_statement(core).execution_options(populate_existing=True), True


def claim_in_one_statement(
    *, session: Session, settings: Settings, agent: Agent, ticket_id: int | None = None
) -> tuple[Ticket, Message | None] | None:
    """Claim the head of the queue (or ``ticket_id``) with its side effects; None when nothing was claimed.

    Returns the claimed ticket and the greeting message (not attached to the session) if one was sent.
    """
    query, with_greeting = _statement(settings.join_message, ticket_id is not None)
    now: datetime = utcnow()
    params: dict[str, object] = {"now": now, "agent_id": agent.id, "joined": joined_text(agent)}
    if ticket_id is not None:
        params["ticket_id"] = ticket_id
    if with_greeting:
        params["agent_name"] = agent.name
        params.update({f"greeting_{i}": part
                       for i, part in enumerate(_greeting_parts(settings.join_message, agent.name))})
    row = session.execute(query, params).one_or_none()
    if row is None:
        return None
    ticket = row[0]
    if not with_greeting or row[1] is None:
        return ticket, None
    message = Message(id=row[1], ticket_id=ticket.id, sender=Sender.agent, agent_id=agent.id, text=row[2],
                      created_at=now)
    return ticket, message
