"""TNPS surveys the bot collects after a handoff (one per conversation and ticket)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from handoff_service.models import Survey, Ticket, utcnow
from handoff_service.services.errors import Conflict, NotFound


def _latest_ticket_id(*, session: Session, conversation_id: str) -> int | None:
    stmt = select(Ticket.id).where(Ticket.conversation_id == conversation_id).order_by(Ticket.id.desc()).limit(1)
    return session.scalar(stmt)


def store_survey(
    *, session: Session, conversation_id: str, score: int, comment: str | None, ticket_id: int | None = None
) -> tuple[Survey, bool]:
    """Attach to the given ticket, else the conversation's latest ticket. Returns (survey, created):
    storing again for the same conversation/ticket returns the first answer (a retried relay is harmless)."""
    if ticket_id is not None:
        ticket = session.get(Ticket, ticket_id)
        if ticket is None:
            raise NotFound(f"Ticket {ticket_id} does not exist")
        if ticket.conversation_id != conversation_id:
            raise Conflict(f"Ticket {ticket_id} belongs to another conversation")
    else:
        ticket_id = _latest_ticket_id(session=session, conversation_id=conversation_id)
    existing = find_survey(session=session, conversation_id=conversation_id, ticket_id=ticket_id)
    if existing is not None:
        return existing, False
    survey = Survey(
        conversation_id=conversation_id, ticket_id=ticket_id, score=score, comment=comment, created_at=utcnow()
    )
    try:
        with session.begin_nested():
            session.add(survey)
    except IntegrityError:
        existing = find_survey(session=session, conversation_id=conversation_id, ticket_id=ticket_id)
        if existing is None:
            raise
        return existing, False
    return survey, True


def find_survey(*, session: Session, conversation_id: str, ticket_id: int | None) -> Survey | None:
    stmt = select(Survey).where(Survey.conversation_id == conversation_id)
    stmt = stmt.where(Survey.ticket_id.is_(None) if ticket_id is None else Survey.ticket_id == ticket_id)
    return session.scalars(stmt).first()

