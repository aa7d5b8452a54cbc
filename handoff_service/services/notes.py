"""Internal notes on a ticket: for agents only. Nothing here writes a message or a delivery, so a note can
never reach the customer."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from handoff_service.models import Agent, TicketNote, utcnow
from handoff_service.services.hooks import stage_event
from handoff_service.services.tickets import get_ticket


def add_note(*, session: Session, agent: Agent, ticket_id: int, text: str) -> TicketNote:
    get_ticket(session=session, ticket_id=ticket_id)
    note = TicketNote(ticket_id=ticket_id, agent_id=agent.id, text=text, created_at=utcnow())
    session.add(note)
    session.flush()
    stage_event(session, "ticket.note", {"ticket_id": ticket_id, "note_id": note.id, "agent_name": agent.name})
    return note


def list_notes(*, session: Session, ticket_id: int) -> list[TicketNote]:
    stmt = select(TicketNote).where(TicketNote.ticket_id == ticket_id).order_by(TicketNote.id)
    return list(session.scalars(stmt))
