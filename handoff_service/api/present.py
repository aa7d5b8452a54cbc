"""Model -> response model conversions shared by the routers."""
from __future__ import annotations

from datetime import datetime

from handoff_service.api.schemas import (
    AgentRef,
    NoteOut,
    UnderstoodOut,
    AvailabilityOut,
    DeliveryOut,
    MessageOut,
    QueueItemOut,
    QueueStatusOut,
    TicketCreatedOut,
    TicketDetailOut,
    TicketOut,
)
from handoff_service.models import Delivery, DeliveryKind, DeliveryStatus, Message, Ticket, TicketNote
from handoff_service.services.queue import Availability, QueueStatus
from handoff_service.services.ticket_view import view_ticket
from handoff_service.understood import readable_transcript


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


def delivery_out(delivery: Delivery) -> DeliveryOut:
    failed = delivery.status == DeliveryStatus.failed
    return DeliveryOut(
        id=delivery.id,
        kind=delivery.kind.value,
        state="failed" if failed else "retrying",
        text=delivery.payload.get("text") if delivery.kind == DeliveryKind.bot_message else None,
        message_id=delivery.message_id,
        attempts=delivery.attempts,
        last_error=delivery.last_error,
        next_attempt_at=None if failed else delivery.next_attempt_at,
        created_at=delivery.created_at,
    )


def ticket_detail_out(ticket: Ticket, messages: list[Message], problems: list[Delivery],
                      notes: list[TicketNote]) -> TicketDetailOut:
    view = view_ticket(ticket, messages)
    return TicketDetailOut(
        **ticket_out(ticket).model_dump(),
        transcript=readable_transcript(ticket.transcript or []),
        understood=UnderstoodOut.model_validate(view.understood),
        mentioned_policies=view.mentioned_policies,
        notes=[note_out(n) for n in notes],
        messages=[MessageOut.model_validate(m) for m in messages],
        delivery_problems=[delivery_out(d) for d in problems],
    )


def note_out(note: TicketNote) -> NoteOut:
    return NoteOut(id=note.id, ticket_id=note.ticket_id, agent=AgentRef(id=note.agent.id, name=note.agent.name),
                   text=note.text, created_at=note.created_at)


def queue_items_out(tickets: list[Ticket], now: datetime) -> list[QueueItemOut]:
    return [
        QueueItemOut(
            position=index,
            waiting_seconds=max(0, int((now - ticket.queued_at).total_seconds())),
            ticket=ticket_out(ticket),
        )
        for index, ticket in enumerate(tickets, start=1)
    ]
