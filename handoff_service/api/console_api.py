"""Agent-side ticket API (agent token): queue, claim, read, reply, release, transfer, resolve, retry a delivery."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status
from sqlalchemy import select

from handoff_service.api.deps import MAX_ID, AgentDep, AgentIdDep, DeliveryId, RuntimeDep, SessionDep, TicketId
from handoff_service.api.present import delivery_out, queue_items_out, ticket_detail_out, ticket_out
from handoff_service.api.responses import AUTH_ERRORS, CONFLICT, FORBIDDEN, NOT_FOUND
from handoff_service.api.schemas import (
    DeliveryOut,
    ErrorOut,
    MessageOut,
    QueueItemOut,
    ReplyIn,
    ResolveIn,
    TicketDetailOut,
    TicketOut,
    TransferIn,
)
from handoff_service.db import run_single_statements_without_transaction
from handoff_service.models import Ticket, TicketStatus, utcnow
from handoff_service.services import claims, deliveries, notes, queue, tickets

router = APIRouter(prefix="/api/v1", tags=["agent console"])
ACTION_ERRORS = {**AUTH_ERRORS, **FORBIDDEN, **NOT_FOUND, **CONFLICT}


def _detail(session, ticket: Ticket) -> TicketDetailOut:  # type: ignore[no-untyped-def]
    return ticket_detail_out(ticket, tickets.list_messages(session=session, ticket_id=ticket.id),
                             deliveries.delivery_problems(session=session, ticket_id=ticket.id),
                             notes.list_notes(session=session, ticket_id=ticket.id))


@router.get("/queue", response_model=list[QueueItemOut], responses=AUTH_ERRORS, summary="Queued tickets, next first")
def list_queue(_agent: AgentDep, session: SessionDep) -> list[QueueItemOut]:
    return queue_items_out(queue.list_queue(session=session), utcnow())


@router.get(
    "/agents/me/tickets", response_model=list[TicketOut], responses=AUTH_ERRORS, summary="Tickets I have claimed"
)
def my_tickets(agent: AgentDep, session: SessionDep) -> list[TicketOut]:
    stmt = (
        select(Ticket)
        .where(Ticket.assigned_agent_id == agent.id, Ticket.status == TicketStatus.claimed)
        .order_by(Ticket.claimed_at)
    )
    return [ticket_out(t) for t in session.scalars(stmt)]


@router.post(
    "/queue/claim-next",
    response_model=TicketDetailOut,
    responses={**AUTH_ERRORS, 404: {"model": ErrorOut, "description": "Nobody is waiting"}},
    summary="Atomically claim the ticket at the head of the queue",
)
def claim_next(agent_id: AgentIdDep, runtime: RuntimeDep, session: SessionDep) -> TicketDetailOut:
    run_single_statements_without_transaction(session)
    ticket = claims.claim_next(session=session, settings=runtime.settings, agent_id=agent_id)
    if ticket is None:
        session.rollback()
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Nobody is waiting in the queue")
    session.commit()
    return _detail(session, ticket)


@router.post(
    "/tickets/{ticket_id}/claim",
    response_model=TicketDetailOut,
    responses={**AUTH_ERRORS, **NOT_FOUND, 409: {"model": ErrorOut, "description": "Already claimed or closed"}},
    summary="Atomically claim this ticket (409 if someone was faster)",
)
def claim(ticket_id: TicketId, agent_id: AgentIdDep, runtime: RuntimeDep, session: SessionDep) -> TicketDetailOut:
    run_single_statements_without_transaction(session)
    ticket = claims.claim_ticket(session=session, settings=runtime.settings, agent_id=agent_id, ticket_id=ticket_id)
    session.commit()
    return _detail(session, ticket)


@router.get(
    "/tickets/{ticket_id}",
    response_model=TicketDetailOut,
    responses={**AUTH_ERRORS, **NOT_FOUND},
    summary="Ticket with transcript, emotion timeline, summary, details and messages",
)
def read_ticket(ticket_id: TicketId, _agent: AgentDep, session: SessionDep) -> TicketDetailOut:
    return _detail(session, tickets.get_ticket(session=session, ticket_id=ticket_id))


@router.get(
    "/tickets/{ticket_id}/messages",
    response_model=list[MessageOut],
    responses={**AUTH_ERRORS, **NOT_FOUND},
    summary="Messages in order (after_id for incremental reads)",
)
def read_messages(
    ticket_id: TicketId,
    _agent: AgentDep,
    session: SessionDep,
    after_id: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
) -> list[MessageOut]:
    tickets.get_ticket(session=session, ticket_id=ticket_id)
    messages = tickets.list_messages(session=session, ticket_id=ticket_id, after_id=after_id)
    return [MessageOut.model_validate(m) for m in messages]


@router.post(
    "/tickets/{ticket_id}/replies",
    response_model=MessageOut,
    status_code=status.HTTP_201_CREATED,
    responses=ACTION_ERRORS,
    summary="Reply to the customer (stored, then delivered through Rasa by the outbox)",
)
def reply(ticket_id: TicketId, body: ReplyIn, agent: AgentDep, session: SessionDep) -> MessageOut:
    message = claims.reply(session=session, agent=agent, ticket_id=ticket_id, text=body.text)
    session.commit()
    return MessageOut.model_validate(message)


@router.post("/tickets/{ticket_id}/release", response_model=TicketOut, responses=ACTION_ERRORS, summary="Back to the queue")
def release(ticket_id: TicketId, agent: AgentDep, session: SessionDep) -> TicketOut:
    ticket = claims.release_ticket(session=session, agent=agent, ticket_id=ticket_id)
    session.commit()
    return ticket_out(ticket)


@router.post(
    "/tickets/{ticket_id}/transfer", response_model=TicketOut, responses=ACTION_ERRORS, summary="Hand to another agent"
)
def transfer(ticket_id: TicketId, body: TransferIn, agent: AgentDep, session: SessionDep) -> TicketOut:
    ticket = claims.transfer_ticket(session=session, agent=agent, ticket_id=ticket_id, to_agent_id=body.to_agent_id)
    session.commit()
    return ticket_out(ticket)


@router.post(
    "/tickets/{ticket_id}/resolve",
    response_model=TicketOut,
    responses=ACTION_ERRORS,
    summary="Resolve: the bot resumes, thanks the agent and asks for a TNPS score",
)
def resolve(ticket_id: TicketId, agent: AgentDep, runtime: RuntimeDep, session: SessionDep,
            body: ResolveIn | None = None) -> TicketOut:
    ticket = claims.resolve_ticket(session=session, settings=runtime.settings, agent=agent, ticket_id=ticket_id,
                                   outcome=body.outcome if body else None)
    session.commit()
    return ticket_out(ticket)


@router.post(
    "/tickets/{ticket_id}/deliveries/{delivery_id}/retry",
    response_model=DeliveryOut,
    responses={**AUTH_ERRORS, **NOT_FOUND, 409: {"model": ErrorOut, "description": "The delivery has not failed"}},
    summary="Send a failed delivery again (it gets a fresh set of automatic retries)",
)
def retry_delivery(ticket_id: TicketId, delivery_id: DeliveryId, _agent: AgentDep, session: SessionDep) -> DeliveryOut:
    delivery = deliveries.retry_delivery(session=session, ticket_id=ticket_id, delivery_id=delivery_id)
    session.commit()
    return delivery_out(delivery)
