"""PostgreSQL: a claim and everything it causes in ONE statement (data-modifying CTEs).

Claiming is the queue's hot path. Sent one by one, its reads and writes (the agent, the claim, "Sam joined the
conversation.", the agent's greeting and the greeting's outbox row) cost five statements and round trips per
claim; at 50 agents that, not locking, capped the service path far below the bare claim. Folded into one
statement they stay atomic (the outbox row exists iff the claim does) and cost one round trip. The agent is read
by the statement too: the claim routes verify the agent's signed token and leave the "does this agent exist"
check to the claim itself, which claims nothing for an unknown agent.

SQLite cannot put INSERT/UPDATE inside WITH; ``claims`` writes the same rows one by one there.
"""
from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from string import Formatter

from sqlalchemy import ColumnElement, Integer, Select, String, bindparam, func, insert, literal, select, true, update
from sqlalchemy.orm import Session, lazyload
from sqlalchemy.orm.attributes import set_committed_value

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

JOINED_SUFFIX = " joined the conversation."
GREETING_FIELDS = ("agent_name", "first_name")


def joined_text(agent_name: str) -> str:
    return agent_name + JOINED_SUFFIX


def greeting_text(template: str, *, agent_name: str, first_name: str | None) -> str:
    return template.format_map({"agent_name": agent_name, "first_name": first_name or "there"})


def _greeting_sql(template: str, agent_name: ColumnElement[str], first_name: ColumnElement[str]) -> ColumnElement[str]:
    """``greeting_text`` as SQL: the names are only known inside the statement."""
    fields = {"agent_name": agent_name, "first_name": func.coalesce(func.nullif(first_name, ""), "there")}
    text: ColumnElement[str] = literal("", String)
    for literal_text, field, _spec, _conversion in Formatter().parse(template):
        if literal_text:
            text = text + literal(literal_text, String)
        if field is not None:
            if field not in fields:
                raise KeyError(field)  # as str.format_map would: the template names an unknown field
            text = text + fields[field]
    return text


def _typed(value: object, column: ColumnElement) -> ColumnElement:
    return literal(value, column.type)


@lru_cache(maxsize=16)
def _statement(greeting_template: str, by_id: bool) -> tuple[Select, bool]:
    """Built once per shape and reused: constructing these CTEs costs more Python time than running them.

    Core throughout (``tickets`` the table, not the ORM entity), mapped to ``Ticket`` and ``Agent`` by
    ``from_statement``: an ORM entity aliased to the CTE sometimes compiled against "tickets" instead of
    "claimed" when threads first compiled the shared statement at the same time (a cartesian product).
    """
    tickets, agents, messages = Ticket.__table__, Agent.__table__, Message.__table__
    now = bindparam("now", type_=UTCDateTime)
    agent_id = bindparam("agent_id", type_=Integer)
    # Only what the claim shows (AgentRef); the rest, the password hash included, stays unloaded.
    agent = select(agents.c.id, agents.c.name).where(agents.c.id == agent_id).cte("agent")
    if by_id:
        target = tickets.c.id == bindparam("ticket_id", type_=Integer)
    else:
        head = select(tickets.c.id).where(tickets.c.status == TicketStatus.queued).order_by(*queue_order()).limit(1)
        target = tickets.c.id == head.with_for_update(skip_locked=True).scalar_subquery()
    claimed = (
        update(tickets)
        .where(target, tickets.c.status == TicketStatus.queued, select(agent.c.id).exists())
        .values(status=TicketStatus.claimed, claimed_at=now, assigned_agent_id=agent_id)
        .returning(*tickets.c)
        .cte("claimed")
    )
    joined = (
        insert(messages)
        .from_select(
            ["ticket_id", "sender", "text", "created_at"],
            select(claimed.c.id, _typed(Sender.system, messages.c.sender),
                   agent.c.name + literal(JOINED_SUFFIX, String), now).select_from(claimed.join(agent, true())),
        )
        .returning(messages.c.ticket_id)
        .cte("joined")
    )
    ctes = [joined]
    greeting_columns: list[ColumnElement] = []
    if greeting_template:
        greeting = (
            insert(messages)
            .from_select(
                ["ticket_id", "sender", "agent_id", "text", "created_at"],
                select(
                    claimed.c.id,
                    _typed(Sender.agent, messages.c.sender),
                    agent.c.id,
                    _greeting_sql(greeting_template, agent.c.name, claimed.c.customer_first_name),
                    now,
                    # Reading "joined" orders the two inserts: "Sam joined" gets the lower id.
                ).select_from(claimed.join(agent, true()).join(joined, joined.c.ticket_id == claimed.c.id)),
            )
            .returning(messages.c.id, messages.c.ticket_id, messages.c.text)
            .cte("greeting")
        )
        deliveries = Delivery.__table__
        outbox = insert(deliveries).from_select(
            ["conversation_id", "ticket_id", "message_id", "kind", "payload", "status", "attempts",
             "attempts_before_retry", "next_attempt_at", "created_at"],
            select(
                claimed.c.conversation_id,
                claimed.c.id,
                greeting.c.id,
                _typed(DeliveryKind.bot_message, deliveries.c.kind),
                func.json_build_object("text", greeting.c.text, "agent_name", agent.c.name),
                _typed(DeliveryStatus.pending, deliveries.c.status),
                literal(0, Integer),
                literal(0, Integer),
                now,
                now,
            ).select_from(claimed.join(agent, true()).join(greeting, greeting.c.ticket_id == claimed.c.id)),
        ).cte("outbox")
        ctes.append(outbox)
        greeting_columns = [greeting.c.id.label("greeting_id"), greeting.c.text.label("greeting_text")]
    core = select(*claimed.c, *agent.c, *greeting_columns).select_from(claimed).join(agent, true())
    if greeting_template:
        core = core.outerjoin(greeting, true())
    core = core.add_cte(*ctes)
    query = select(Ticket, Agent, *(core.selected_columns[c.name] for c in greeting_columns))
    # The agent comes from the same row: no JOIN here, and claim_in_one_statement sets ticket.assigned_agent.
    mapped = query.options(lazyload(Ticket.assigned_agent)).from_statement(core)
    return mapped.execution_options(populate_existing=True), bool(greeting_template)


def claim_in_one_statement(
    *, session: Session, greeting_template: str, agent_id: int, ticket_id: int | None = None
) -> tuple[Ticket, Message | None] | None:
    """Claim the head of the queue (or ``ticket_id``) for ``agent_id`` with its side effects; None when nothing
    was claimed (nothing waiting, the ticket not queued, or no such agent).

    Returns the claimed ticket (its ``assigned_agent`` loaded) and the greeting (not attached to the session).
    """
    query, with_greeting = _statement(greeting_template, ticket_id is not None)
    now: datetime = utcnow()
    params: dict[str, object] = {"now": now, "agent_id": agent_id}
    if ticket_id is not None:
        params["ticket_id"] = ticket_id
    row = session.execute(query, params).one_or_none()
    if row is None:
        return None
    ticket = row[0]
    # populate_existing would make a lazy load of the relationship bypass the identity map: another SELECT.
    set_committed_value(ticket, "assigned_agent", row[1])
    if not with_greeting or row[2] is None:
        return ticket, None
    message = Message(id=row[2], ticket_id=ticket.id, sender=Sender.agent, agent_id=agent_id, text=row[3],
                      created_at=now)
    return ticket, message
