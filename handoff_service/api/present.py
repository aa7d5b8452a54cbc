"""Model -> response model conversions shared by the routers."""
from __future__ import annotations

from datetime import datetime

from handoff_service.api.schemas import (
    AvailabilityOut,
    MessageOut,
    QueueItemOut,
    QueueStatusOut,
    TicketCreatedOut,
    TicketDetailOut,
    TicketOut,
)
from handoff_service.models import Message, Ticket
from handoff_service.services.queue import Availability, QueueStatus


def availability_out(availability: Availability) -> AvailabilityOut:
    return AvailabilityOut.model_validate(availability)


def queue_status_out(ticket: Ticket, status: QueueStatus) -> QueueStatusOut:
    return QueueStatusOut(
        ticket_id=ticket.id,
        status=status.status,
        position=status.position,
        ahead=status.ahead,
        eta_seconds=status.eta_seconds,
        availability=availability_out(status.availability),
    )


def ticket_out(ticket: Ticket) -> TicketOut:
    return TicketOut.model_validate(ticket)


def ticket_created_out(ticket: Ticket, customer_token: str, status: QueueStatus) -> TicketCreatedOut:
    return TicketCreatedOut(
        **ticket_out(ticket).model_dump(),
        customer_token=customer_token,
        queue=queue_status_out(ticket, status),
    )


def ticket_detail_out(ticket: Ticket, messages: list[Message]) -> TicketDetailOut:
    return TicketDetailOut(
        **ticket_out(ticket).model_dump(),
        transcript=list(ticket.transcript or []),
        messages=[MessageOut.model_validate(m) for m in messages],
    )


def queue_items_out(tickets: list[Ticket], now: datetime) -> list[QueueItemOut]:
    return [
        QueueItemOut(
            position=index,
            waiting_seconds=max(0, int((now - ticket.queued_at).total_seconds())),
            ticket=ticket_out(ticket),
        )
        for index, ticket in enumerate(tickets, start=1)
    ]
