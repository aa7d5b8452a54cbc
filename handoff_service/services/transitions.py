"""Status changes as conditional UPDATEs: the WHERE clause re-checks the state, so two racing
requests cannot both win (on PostgreSQL the second one re-evaluates after the row lock)."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, update
from sqlalchemy.orm import Session

from handoff_service.models import Ticket, TicketStatus


def conditional_update(
    *,
    session: Session,
    ticket_id: int,
    allowed_from: Iterable[TicketStatus],
    values: dict[str, Any],
    extra_where: Iterable[ColumnElement[bool]] = (),
) -> Ticket | None:
    """Apply ``values`` if the ticket is still in one of ``allowed_from``; return the fresh ticket or None."""
    stmt = (
        update(Ticket)
        .where(Ticket.id == ticket_id, Ticket.status.in_(list(allowed_from)), *extra_where)
        .values(**values)
        .returning(Ticket)
        .execution_options(synchronize_session=False, populate_existing=True)
    )
    return session.scalars(stmt).one_or_none()
