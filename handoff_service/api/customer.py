"""Customer side: the website chat page, and the messages of the customer's own ticket.

REST clients cannot be pushed to, so a customer on the REST channel reads what the agent wrote
here, with the per-ticket customer token the bot hands over with the handoff (see
docs/architecture.md). Website (socket.io) and messaging (callback) customers get agent replies
pushed through Rasa instead.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles

from handoff_service.api.deps import RuntimeDep, SessionDep, TicketId, require_service_or_customer
from handoff_service.api.responses import AUTH_ERRORS, NOT_FOUND
from handoff_service.api.schemas import ErrorOut, MessageOut
from handoff_service.runtime import Runtime
from handoff_service.services import tickets

WEB_DIR = Path(__file__).resolve().parents[2] / "web"
MAX_ID = 2**31 - 1

router = APIRouter(prefix="/api/v1", tags=["customer"])
page_router = APIRouter(include_in_schema=False)


@router.get(
    "/tickets/{ticket_id}/customer-messages",
    response_model=list[MessageOut],
    dependencies=[Depends(require_service_or_customer)],
    responses={**AUTH_ERRORS, 403: {"model": ErrorOut, "description": "Customer token of another ticket"},
               **NOT_FOUND},
    summary="The conversation with the agent, for the ticket's customer (after_id for polling)",
)
def customer_messages(
    ticket_id: TicketId,
    session: SessionDep,
    after_id: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
) -> list[MessageOut]:
    tickets.get_ticket(session=session, ticket_id=ticket_id)
    return [MessageOut.model_validate(m) for m in tickets.list_messages(session=session, ticket_id=ticket_id,
                                                                        after_id=after_id)]


def _chat_config(runtime: Runtime) -> dict[str, object]:
    settings = runtime.settings
    return {"rasaUrl": settings.public_rasa_url or settings.rasa_url, "handoffUrl": settings.public_url or "",
            "attachmentMaxBytes": settings.attachment_max_bytes}


@page_router.get("/chat/config.json")
def chat_config_json(runtime: RuntimeDep) -> Response:
    """What the widget needs on an insurer's page (another origin): public values only, so any origin may read it."""
    return Response(json.dumps(_chat_config(runtime)), media_type="application/json",
                    headers={"Cache-Control": "no-store", "Access-Control-Allow-Origin": "*"})


def mount_chat_page(app) -> None:
    app.include_router(page_router)
    app.mount("/chat", StaticFiles(directory=WEB_DIR, html=True), name="chat")
