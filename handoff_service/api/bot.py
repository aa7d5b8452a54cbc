"""Bot-side API (service token): tickets, customer messages, abandon, callback, surveys, availability.

The customer's status endpoint also accepts the per-ticket customer token returned at creation.
"""
from __future__ import annotations

from fastapi import APIRouter, Depends, Response, status
from sqlalchemy.orm import Session

from handoff_service.api.deps import (
    ConversationId,
    RuntimeDep,
    ServiceAuth,
    SessionDep,
    TicketId,
    require_service_or_customer,
)
from handoff_service.api.present import (
    availability_out,
    queue_status_out,
    ticket_created_out,
    ticket_out,
)
from handoff_service.api.responses import AUTH_ERRORS, CONFLICT, NOT_FOUND
from handoff_service.api.schemas import (
    AvailabilityOut,
    CallbackIn,
    CustomerMessageIn,
    ErrorOut,
    MessageOut,
    QueueStatusOut,
    SurveyIn,
    SurveyOut,
    TicketCreate,
    TicketCreatedOut,
    TicketOut,
)
from handoff_service.config import Settings
from handoff_service.models import Ticket
from handoff_service.runtime import Runtime
from handoff_service.services import queue, queue_updates, surveys, tickets
from handoff_service.services.tickets import TicketDraft


router = APIRouter(prefix="/api/v1", tags=["bot"])


def _created_response(runtime: Runtime, session: Session, ticket: Ticket) -> TicketCreatedOut:
    token = runtime.signer.issue("customer", ticket.id)
    status_now = queue.queue_status(session=session, ticket=ticket, settings=runtime.settings)
    return ticket_created_out(ticket, token, status_now)


@router.post(
    "/tickets",
    response_model=TicketCreatedOut,
    status_code=status.HTTP_201_CREATED,
    dependencies=[ServiceAuth],
    responses={200: {"model": TicketCreatedOut, "description": "The conversation already had an open ticket"}, **AUTH_ERRORS,
               413: {"model": ErrorOut, "description": "Body larger than HANDOFF_MAX_BODY_BYTES (a long transcript)"}},
    summary="Hand a conversation to the human queue (201 new, 200 the existing open ticket)",
)
def create_ticket(body: TicketCreate, runtime: RuntimeDep, session: SessionDep, response: Response) -> TicketCreatedOut:
    draft = TicketDraft(**body.model_dump(exclude={"emotion_timeline", "transcript"}))
    draft.emotion_timeline = [p.model_dump(exclude_none=True) for p in body.emotion_timeline]
    draft.transcript = [t.model_dump(exclude_none=True) for t in body.transcript]
    ticket, created = tickets.create_ticket(session=session, settings=runtime.settings, draft=draft)
    session.commit()
    if not created:
        response.status_code = status.HTTP_200_OK
    return _created_response(runtime, session, ticket)


@router.get(
    "/conversations/{conversation_id:path}/ticket",
    response_model=TicketCreatedOut,
    dependencies=[ServiceAuth],
    responses={**AUTH_ERRORS, **NOT_FOUND},
    summary="The conversation's open ticket, with queue status",
)
def open_ticket(conversation_id: ConversationId, runtime: RuntimeDep, session: SessionDep) -> TicketCreatedOut:
    ticket = tickets.get_open_ticket(session=session, conversation_id=conversation_id)
    return _created_response(runtime, session, ticket)


@router.get(
    "/tickets/{ticket_id}/status",
    response_model=QueueStatusOut,
    dependencies=[Depends(require_service_or_customer)],
    responses={**AUTH_ERRORS, 403: {"model": ErrorOut, "description": "Customer token of another ticket"}, **NOT_FOUND},
    summary="Queue position, ETA and availability (service token or this ticket's customer token)",
)
def ticket_status(ticket_id: TicketId, runtime: RuntimeDep, session: SessionDep) -> QueueStatusOut:
    ticket = tickets.get_ticket(session=session, ticket_id=ticket_id)
    return queue_status_out(ticket, queue.queue_status(session=session, ticket=ticket, settings=runtime.settings))


@router.get(
    "/availability",
    response_model=AvailabilityOut,
    dependencies=[ServiceAuth],
    responses=AUTH_ERRORS,
    summary="Agents online, business hours, next opening and the offline option",
)
def get_availability(runtime: RuntimeDep, session: SessionDep) -> AvailabilityOut:
    return availability_out(queue.availability(session=session, settings=runtime.settings))


def _store_customer_message(session: Session, settings: Settings, ticket: Ticket, body: CustomerMessageIn,
                            response: Response) -> MessageOut:
    message, created = tickets.add_customer_message(
        session=session, ticket=ticket, text=body.text, external_id=body.external_id,
        emotion=tickets.MessageEmotion(intensity=body.intensity, emotion=body.emotion, band=body.band),
    )
    if body.urgent_notice and (created or not queue_updates.urgent_notice_given(session=session, ticket=ticket,
                                                                                 notice=body.urgent_notice)):
        queue_updates.raise_urgent_risk(session=session, settings=settings, ticket=ticket, notice=body.urgent_notice)
    elif created and body.acknowledge:
        queue_updates.acknowledge_waiting_customer(session=session, settings=settings, ticket=ticket)
    session.commit()
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return MessageOut.model_validate(message)


MESSAGE_RESPONSES = {
    201: {"model": MessageOut, "description": "Stored"},
    200: {"model": MessageOut, "description": "Already stored under this external_id"},
    **AUTH_ERRORS,
    **NOT_FOUND,
    **CONFLICT,
}


@router.post(
    "/tickets/{ticket_id}/messages",
    response_model=MessageOut,
    status_code=status.HTTP_201_CREATED,
    dependencies=[ServiceAuth],
    responses=MESSAGE_RESPONSES,
    summary="Relay a customer message to the ticket (idempotent with external_id)",
)
def add_message(ticket_id: TicketId, body: CustomerMessageIn, runtime: RuntimeDep, session: SessionDep,
                response: Response) -> MessageOut:
    ticket = tickets.get_ticket(session=session, ticket_id=ticket_id)
    return _store_customer_message(session, runtime.settings, ticket, body, response)


@router.post(
    "/conversations/{conversation_id:path}/messages",
    response_model=MessageOut,
    status_code=status.HTTP_201_CREATED,
    dependencies=[ServiceAuth],
    responses=MESSAGE_RESPONSES,
    summary="Relay a customer message to the conversation's open ticket",
)
def add_message_by_conversation(
    conversation_id: ConversationId, body: CustomerMessageIn, runtime: RuntimeDep, session: SessionDep,
    response: Response,
) -> MessageOut:
    ticket = tickets.ticket_for_customer_message(session=session, conversation_id=conversation_id)
    return _store_customer_message(session, runtime.settings, ticket, body, response)


@router.post(
    "/tickets/{ticket_id}/abandon",
    response_model=TicketOut,
    dependencies=[ServiceAuth],
    responses={**AUTH_ERRORS, **NOT_FOUND, **CONFLICT},
    summary="The customer cancelled: close the ticket and hand the conversation back to the bot",
)
def abandon(ticket_id: TicketId, runtime: RuntimeDep, session: SessionDep) -> TicketOut:
    ticket = tickets.get_ticket(session=session, ticket_id=ticket_id)
    ticket = tickets.abandon_ticket(session=session, settings=runtime.settings, ticket=ticket)
    session.commit()
    return ticket_out(ticket)


@router.post(
    "/conversations/{conversation_id:path}/abandon",
    response_model=TicketOut,
    dependencies=[ServiceAuth],
    responses={**AUTH_ERRORS, **NOT_FOUND, **CONFLICT},
    summary="Abandon the conversation's open ticket",
)
def abandon_by_conversation(conversation_id: ConversationId, runtime: RuntimeDep, session: SessionDep) -> TicketOut:
    ticket = tickets.get_open_ticket(session=session, conversation_id=conversation_id)
    ticket = tickets.abandon_ticket(session=session, settings=runtime.settings, ticket=ticket)
    session.commit()
    return ticket_out(ticket)


@router.post(
    "/tickets/{ticket_id}/callback",
    response_model=TicketOut,
    dependencies=[ServiceAuth],
    responses={**AUTH_ERRORS, **NOT_FOUND, **CONFLICT},
    summary="Turn a queued ticket into a callback request (kept, never expired)",
)
def callback(ticket_id: TicketId, body: CallbackIn, session: SessionDep) -> TicketOut:
    ticket = tickets.get_ticket(session=session, ticket_id=ticket_id)
    ticket = tickets.request_callback(session=session, ticket=ticket, phone=body.phone, preferred_time=body.preferred_time)
    session.commit()
    return ticket_out(ticket)


@router.post(
    "/surveys",
    response_model=SurveyOut,
    status_code=status.HTTP_201_CREATED,
    dependencies=[ServiceAuth],
    responses={
        200: {"model": SurveyOut, "description": "Already stored; the first answer stands"},
        **AUTH_ERRORS,
        **NOT_FOUND,
        **CONFLICT,
    },
    summary="Store the TNPS answer (0-10 + comment), one per conversation/ticket",
)
def store_survey(body: SurveyIn, session: SessionDep, response: Response) -> SurveyOut:
    survey, created = surveys.store_survey(
        session=session,
        conversation_id=body.conversation_id,
        ticket_id=body.ticket_id,
        score=body.score,
        comment=body.comment,
    )
    session.commit()
    if not created:
        response.status_code = status.HTTP_200_OK
    return SurveyOut.model_validate(survey)
