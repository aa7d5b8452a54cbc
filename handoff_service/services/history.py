"""Past tickets: search, and the earlier conversations of the customer on a ticket.

Search matches ``q`` (case-insensitive, as a literal: % and _ mean themselves) against the ticket's search text
(the customer's name and words, the values of the details and customer context, policy numbers written in the
chat, normalised: understood.searchable_text), the summary, the conversation id and the text of every message. Newest first, at most ``limit``.
A customer's history: other tickets of the same conversation, or that name one of the same policy numbers.
"""
from __future__ import annotations

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from handoff_service.models import Message, Ticket, TicketStatus
from handoff_service.understood import context_policies, mentioned_policies

MAX_RESULTS = 100


def _like(q: str) -> str:
    escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_tickets(*, session: Session, q: str = "", status: TicketStatus | None = None,
                   limit: int = 50) -> list[Ticket]:
    stmt = select(Ticket)
    q = q.strip()
    if q:
        pattern = _like(q)
        in_messages = exists().where(Message.ticket_id == Ticket.id, Message.text.ilike(pattern, escape="\\"))
        stmt = stmt.where(or_(
            Ticket.search_text.ilike(pattern, escape="\\"),
            Ticket.summary.ilike(pattern, escape="\\"),
            Ticket.conversation_id.ilike(pattern, escape="\\"),
            in_messages,
        ))
    if status is not None:
        stmt = stmt.where(Ticket.status == status)
    stmt = stmt.order_by(Ticket.created_at.desc(), Ticket.id.desc()).limit(min(max(limit, 1), MAX_RESULTS))
    return list(session.scalars(stmt))


def policy_numbers(ticket: Ticket) -> list[str]:
    numbers = [str((ticket.slots or {}).get("policy_number") or "").upper()]
    numbers += context_policies(ticket.customer_context)
    numbers += mentioned_policies(ticket.transcript or [])
    return sorted({n for n in numbers if n})


def customer_history(*, session: Session, ticket: Ticket, limit: int = 20) -> list[Ticket]:
    conditions = [Ticket.conversation_id == ticket.conversation_id]
    for number in policy_numbers(ticket):
        pattern = _like(number)
        conditions.append(Ticket.search_text.ilike(pattern, escape="\\"))
    stmt = (select(Ticket).where(Ticket.id != ticket.id, or_(*conditions))
            .order_by(Ticket.created_at.desc(), Ticket.id.desc()).limit(limit))
    return list(session.scalars(stmt))
