"""Video calls in the conversation: "Video call started/ended." in the agent's transcript and, as a notice
delivered through Rasa, in the customer's chat (both chats say so, issue #20)."""
from __future__ import annotations

from sqlalchemy.orm import Session

from handoff_service.models import Message, Ticket, TicketStatus
from handoff_service.services import deliveries, tickets

CALL_TEXT = {"started": "Video call started.", "ended": "Video call ended."}


def record_call(*, session: Session, ticket_id: int, state: str) -> Message | None:
    """None when the ticket is no longer with its agent (a call cannot start or end on a closed ticket)."""
    ticket = session.get(Ticket, ticket_id)
    if ticket is None or ticket.status != TicketStatus.claimed:
        return None
    message = tickets.add_system_message(session=session, ticket=ticket, text=CALL_TEXT[state])
    deliveries.enqueue_notice(session=session, ticket=ticket, text=CALL_TEXT[state], message=message)
    return message
