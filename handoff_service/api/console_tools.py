"""Agent console helpers (agent token): heartbeat, suggested and saved replies, internal notes, history, search."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from handoff_service.api.deps import MAX_ID, AgentDep, RuntimeDep, SessionDep, TicketId
from handoff_service.api.present import note_out, ticket_out
from handoff_service.api.responses import AUTH_ERRORS, CONFLICT, NOT_FOUND
from handoff_service.api.schemas import (
    HeartbeatOut,
    NoteIn,
    NoteOut,
    SavedReplyIn,
    SavedReplyOut,
    SuggestionOut,
    TicketOut,
)
from handoff_service.models import TicketStatus
from handoff_service.services import history, notes, presence, saved_replies, tickets
from handoff_service.services.ticket_view import view_ticket

router = APIRouter(prefix="/api/v1", tags=["agent console"])
ReplyId = Annotated[int, Path(ge=1, le=MAX_ID, description="Saved reply id")]


@router.post("/agents/me/heartbeat", response_model=HeartbeatOut, responses=AUTH_ERRORS,
             summary="The console is open: keeps an online agent available (see HANDOFF_PRESENCE_TIMEOUT_SECONDS)")
def heartbeat(agent: AgentDep, runtime: RuntimeDep, session: SessionDep) -> HeartbeatOut:
    timeout = runtime.settings.presence_timeout_seconds
    presence.heartbeat(session=session, agent=agent, timeout_seconds=timeout)
    session.commit()
    return HeartbeatOut(presence=agent.presence, last_seen_at=agent.last_seen_at,
                        heartbeat_seconds=presence.heartbeat_interval(timeout), timeout_seconds=timeout)


@router.get("/tickets/{ticket_id}/suggestions", response_model=list[SuggestionOut],
            responses={**AUTH_ERRORS, **NOT_FOUND},
            summary="Two or three replies for the customer's band, concern and first name (edit before sending)")
def suggestions(ticket_id: TicketId, _agent: AgentDep, session: SessionDep) -> list[SuggestionOut]:
    ticket = tickets.get_ticket(session=session, ticket_id=ticket_id)
    view = view_ticket(ticket, tickets.list_messages(session=session, ticket_id=ticket_id))
    return [SuggestionOut.model_validate(s) for s in view.suggestions]


@router.get("/tickets/{ticket_id}/notes", response_model=list[NoteOut], responses={**AUTH_ERRORS, **NOT_FOUND},
            summary="Internal notes (agents only)")
def list_notes(ticket_id: TicketId, _agent: AgentDep, session: SessionDep) -> list[NoteOut]:
    tickets.get_ticket(session=session, ticket_id=ticket_id)
    return [note_out(n) for n in notes.list_notes(session=session, ticket_id=ticket_id)]


@router.post("/tickets/{ticket_id}/notes", response_model=NoteOut, status_code=status.HTTP_201_CREATED,
             responses={**AUTH_ERRORS, **NOT_FOUND}, summary="Add an internal note (never sent to the customer)")
def add_note(ticket_id: TicketId, body: NoteIn, agent: AgentDep, session: SessionDep) -> NoteOut:
    note = notes.add_note(session=session, agent=agent, ticket_id=ticket_id, text=body.text)
    session.commit()
    return note_out(note)


@router.get("/tickets/{ticket_id}/history", response_model=list[TicketOut], responses={**AUTH_ERRORS, **NOT_FOUND},
            summary="The customer's other tickets: same conversation or one of the same policy numbers")
def customer_history(ticket_id: TicketId, _agent: AgentDep, session: SessionDep) -> list[TicketOut]:
    ticket = tickets.get_ticket(session=session, ticket_id=ticket_id)
    return [ticket_out(t) for t in history.customer_history(session=session, ticket=ticket)]


@router.get("/tickets", response_model=list[TicketOut], responses=AUTH_ERRORS,
            summary="Search tickets: name, summary, details, policy or claim numbers, message text (newest first)")
def search(
    _agent: AgentDep,
    session: SessionDep,
    q: Annotated[str, Query(max_length=200)] = "",
    status_filter: Annotated[TicketStatus | None, Query(alias="status")] = None,
    limit: Annotated[int, Query(ge=1, le=history.MAX_RESULTS)] = 50,
) -> list[TicketOut]:
    found = history.search_tickets(session=session, q=q, status=status_filter, limit=limit)
    return [ticket_out(t) for t in found]


@router.get("/saved-replies", response_model=list[SavedReplyOut], responses=AUTH_ERRORS,
            summary="My team's saved replies")
def list_saved(agent: AgentDep, session: SessionDep) -> list[SavedReplyOut]:
    return [SavedReplyOut.model_validate(r) for r in saved_replies.list_saved_replies(session=session, agent=agent)]


@router.post("/saved-replies", response_model=SavedReplyOut, status_code=status.HTTP_201_CREATED,
             responses={**AUTH_ERRORS, **CONFLICT}, summary="Save a reply for my team (titles are unique per team)")
def create_saved(body: SavedReplyIn, agent: AgentDep, session: SessionDep) -> SavedReplyOut:
    reply = saved_replies.create_saved_reply(session=session, agent=agent, title=body.title, text=body.text)
    session.commit()
    return SavedReplyOut.model_validate(reply)


@router.put("/saved-replies/{reply_id}", response_model=SavedReplyOut,
            responses={**AUTH_ERRORS, **NOT_FOUND, **CONFLICT}, summary="Change one of my team's saved replies")
def update_saved(reply_id: ReplyId, body: SavedReplyIn, agent: AgentDep, session: SessionDep) -> SavedReplyOut:
    reply = saved_replies.update_saved_reply(session=session, agent=agent, reply_id=reply_id, title=body.title,
                                             text=body.text)
    session.commit()
    return SavedReplyOut.model_validate(reply)


@router.delete("/saved-replies/{reply_id}", status_code=status.HTTP_204_NO_CONTENT,
               responses={**AUTH_ERRORS, **NOT_FOUND}, summary="Delete one of my team's saved replies")
def delete_saved(reply_id: ReplyId, agent: AgentDep, session: SessionDep) -> Response:
    saved_replies.delete_saved_reply(session=session, agent=agent, reply_id=reply_id)
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
