"""Agent actions on tickets: claim (atomic), reply, release, transfer, resolve.

Claim next is one conditional statement: UPDATE ... WHERE id = (SELECT id ... ORDER BY queue_key, id LIMIT 1
[FOR UPDATE SKIP LOCKED on PostgreSQL]) AND status = 'queued' RETURNING *. On PostgreSQL the agent is read
and the rows a claim causes are written by that same statement (``claim_statement``); on SQLite by the
statements around it.
"""
from __future__ import annotations

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from handoff_service.config import Settings
from handoff_service.models import Agent, Message, ResolveOutcome, Sender, Ticket, TicketStatus, utcnow
from handoff_service.services.deliveries import enqueue_bot_message, enqueue_resume
from handoff_service.services.errors import Conflict, Forbidden, NotFound, UnknownAgent
from handoff_service.services.claim_statement import claim_in_one_statement, greeting_text, joined_text
from handoff_service.services.hooks import message_event_data, stage_event, stage_outbox_wakeup, ticket_event_data
from handoff_service.services.queue import queue_order
from handoff_service.services.tickets import add_system_message, get_ticket
from handoff_service.services.transitions import conditional_update


def _claim(*, session: Session, settings: Settings, agent_id: int, ticket_id: int | None) -> Ticket | None:
    """Claim ``ticket_id`` (or the head of the queue) and write what it causes: "Sam joined" and the agent's
    greeting queued for the customer. Consoles hear the status change, then the greeting.

    Routes pass the id from a verified token: the claim reads the agent itself, so an unknown agent claims
    nothing (``UnknownAgent``)."""
    if session.get_bind().dialect.name != "postgresql":
        agent = _agent(session, agent_id)
        return _claim_on_sqlite(session=session, settings=settings, agent=agent, ticket_id=ticket_id)
    result = claim_in_one_statement(
        session=session, greeting_template=settings.join_message, agent_id=agent_id, ticket_id=ticket_id
    )
    if result is None:
        _agent(session, agent_id)  # nothing claimed: say so if the reason is the agent
        return None
    ticket, greeting = result
    stage_event(session, "ticket.status", ticket_event_data(ticket))
    if greeting is not None:
        stage_outbox_wakeup(session)
        stage_event(session, "ticket.message", message_event_data(greeting))
    return ticket


def _agent(session: Session, agent_id: int) -> Agent:
    agent = session.get(Agent, agent_id)
    if agent is None:
        raise UnknownAgent(f"Agent {agent_id} does not exist")
    return agent


def _claim_on_sqlite(*, session: Session, settings: Settings, agent: Agent, ticket_id: int | None) -> Ticket | None:
    """SQLite serialises writers (WAL + busy_timeout), so the sub-select always sees the latest committed queue."""
    if ticket_id is None:
        head = select(Ticket.id).where(Ticket.status == TicketStatus.queued).order_by(*queue_order()).limit(1)
        target = Ticket.id == head.scalar_subquery()
    else:
        target = Ticket.id == ticket_id
    claim = (
        update(Ticket)
        .where(target, Ticket.status == TicketStatus.queued)
        .values(status=TicketStatus.claimed, claimed_at=utcnow(), assigned_agent_id=agent.id)
        .returning(Ticket)
        .execution_options(synchronize_session=False, populate_existing=True)
    )
    ticket = session.scalars(claim).one_or_none()
    if ticket is None:
        return None
    stage_event(session, "ticket.status", ticket_event_data(ticket))
    session.execute(
        insert(Message).values(
            ticket_id=ticket.id, sender=Sender.system, text=joined_text(agent.name), created_at=utcnow()
        )
    )
    if settings.join_message:
        text = greeting_text(settings.join_message, agent_name=agent.name, first_name=ticket.customer_first_name)
        _send_to_customer(session=session, ticket=ticket, agent=agent, text=text)
    return ticket


def claim_next(*, session: Session, settings: Settings, agent_id: int) -> Ticket | None:
    """Claim the ticket at the head of the queue; None when nothing is waiting."""
    return _claim(session=session, settings=settings, agent_id=agent_id, ticket_id=None)


def claim_ticket(*, session: Session, settings: Settings, agent_id: int, ticket_id: int) -> Ticket:
    claimed = _claim(session=session, settings=settings, agent_id=agent_id, ticket_id=ticket_id)
    if claimed is None:
        ticket = get_ticket(session=session, ticket_id=ticket_id)
        raise Conflict(f"Ticket {ticket_id} is {ticket.status.value}, not queued; it cannot be claimed")
    return claimed


def _owned_claimed_ticket(*, session: Session, agent: Agent, ticket_id: int, action: str) -> Ticket:
    ticket = get_ticket(session=session, ticket_id=ticket_id)
    if ticket.status == TicketStatus.claimed and ticket.assigned_agent_id != agent.id:
        raise Forbidden(f"Ticket {ticket_id} is assigned to another agent; only they can {action} it")
    if ticket.status != TicketStatus.claimed:
        raise Conflict(f"Ticket {ticket_id} is {ticket.status.value}; you can only {action} a claimed ticket")
    return ticket


def _transition_owned(
    *, session: Session, agent: Agent, ticket_id: int, action: str, values: dict[str, object]
) -> Ticket:
    _owned_claimed_ticket(session=session, agent=agent, ticket_id=ticket_id, action=action)
    changed = conditional_update(
        session=session,
        ticket_id=ticket_id,
        allowed_from=[TicketStatus.claimed],
        values=values,
        extra_where=[Ticket.assigned_agent_id == agent.id],
    )
    if changed is None:  # lost a race since the check above
        raise Conflict(f"Ticket {ticket_id} changed meanwhile; reload it")
    stage_event(session, "ticket.status", ticket_event_data(changed))
    return changed


def release_ticket(*, session: Session, agent: Agent, ticket_id: int) -> Ticket:
    """Back to the queue at its original place (queue_key is kept)."""
    ticket = _transition_owned(
        session=session,
        agent=agent,
        ticket_id=ticket_id,
        action="release",
        values={
            "status": TicketStatus.queued,
            "released_at": utcnow(),
            "claimed_at": None,
            "assigned_agent_id": None,
        },
    )
    add_system_message(session=session, ticket=ticket, text=f"{agent.name} put the conversation back in the queue.")
    return ticket


def transfer_ticket(*, session: Session, agent: Agent, ticket_id: int, to_agent_id: int) -> Ticket:
    _owned_claimed_ticket(session=session, agent=agent, ticket_id=ticket_id, action="transfer")
    target = session.get(Agent, to_agent_id)
    if target is None:
        raise NotFound(f"Agent {to_agent_id} does not exist")
    if target.id == agent.id:
        raise Conflict("The ticket is already assigned to you")
    ticket = _transition_owned(
        session=session,
        agent=agent,
        ticket_id=ticket_id,
        action="transfer",
        values={"assigned_agent_id": target.id, "transferred_at": utcnow()},
    )
    add_system_message(session=session, ticket=ticket, text=f"{agent.name} transferred the conversation to {target.name}.")
    return ticket


def resolve_ticket(*, session: Session, settings: Settings, agent: Agent, ticket_id: int,
                   outcome: ResolveOutcome | None = None) -> Ticket:
    """Close the ticket and hand the conversation back to the bot, which thanks the agent and asks for TNPS."""
    ticket = _transition_owned(
        session=session,
        agent=agent,
        ticket_id=ticket_id,
        action="resolve",
        values={"status": TicketStatus.resolved, "resolved_at": utcnow(), "outcome": outcome},
    )
    add_system_message(session=session, ticket=ticket, text=f"{agent.name} resolved the conversation.")
    enqueue_resume(
        session=session, ticket=ticket, intent=settings.resolved_intent or None, entities={"agent_name": agent.name}
    )
    return ticket


def _send_to_customer(*, session: Session, ticket: Ticket, agent: Agent, text: str) -> Message:
    message = Message(ticket_id=ticket.id, sender=Sender.agent, agent_id=agent.id, text=text, created_at=utcnow())
    session.add(message)
    session.flush()
    enqueue_bot_message(session=session, ticket=ticket, text=text, agent_name=agent.name, message=message)
    stage_event(session, "ticket.message", message_event_data(message))
    return message


def reply(*, session: Session, agent: Agent, ticket_id: int, text: str) -> Message:
    """Stored first, then delivered through the outbox."""
    ticket = _owned_claimed_ticket(session=session, agent=agent, ticket_id=ticket_id, action="reply to")
    return _send_to_customer(session=session, ticket=ticket, agent=agent, text=text)
