"""Attachments: the customer uploads a photo or PDF to their own ticket; agents list and open them.

The upload is the raw file as the request body (``Content-Type`` is ignored: the service reads the
type from the bytes) with the display name in ``?name=``; the customer authenticates with their
per-ticket customer token. Files are served back to agents only, as downloads that the browser may not
sniff or run (``nosniff`` and a ``sandbox`` policy), so even a hostile PDF cannot script the console.
"""
from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, status
from fastapi.responses import FileResponse
from pydantic import BaseModel, ConfigDict

from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from handoff_service.api.deps import AgentDep, Credentials, RuntimeDep, SessionDep, TicketId, _token, _unauthorized
from handoff_service.api.responses import AUTH_ERRORS, CONFLICT, NOT_FOUND
from handoff_service.api.schemas import ErrorOut
from handoff_service.runtime import Runtime
from handoff_service.services import attachments

router = APIRouter(prefix="/api/v1", tags=["attachments"])
MAX_ID = 2**31 - 1
UPLOAD_PATH = r"^/api/v1/tickets/\d+/attachments$"


class AttachmentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    ticket_id: int
    content_type: str
    file_name: str
    size_bytes: int
    sha256: str
    created_at: datetime


def require_ticket_customer(runtime: RuntimeDep, credentials: Credentials, ticket_id: TicketId) -> None:
    """The customer token of this very ticket (security.py's signer decides; a token of another ticket is 403)."""
    # Expiry as everywhere else a customer token is accepted (security.verify_customer_token does the same check).
    claims = runtime.signer.verify("customer", _token(credentials), runtime.settings.customer_token_ttl_seconds)
    if claims is None:
        raise _unauthorized("Invalid customer token")
    if claims.subject != ticket_id:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "This token is for another ticket")


@router.post(
    "/tickets/{ticket_id}/attachments",
    response_model=AttachmentOut,
    status_code=status.HTTP_201_CREATED,
    dependencies=[Depends(require_ticket_customer)],
    responses={**AUTH_ERRORS, 403: {"model": ErrorOut, "description": "Customer token of another ticket"},
               **NOT_FOUND, **CONFLICT,
               413: {"model": ErrorOut, "description": "Larger than HANDOFF_ATTACHMENT_MAX_BYTES"},
               415: {"model": ErrorOut, "description": "Not a JPEG, PNG, HEIC or PDF file (by its content)"}},
    openapi_extra={"requestBody": {"required": True, "content": {"application/octet-stream": {
        "schema": {"type": "string", "format": "binary"}}}}},
    summary="Send a photo or PDF with the ticket (customer token; the raw file is the body)",
)
async def upload(
    ticket_id: TicketId,
    request: Request,
    runtime: RuntimeDep,
    session: SessionDep,
    name: Annotated[str | None, Query(max_length=255, description="The file's name, for display")] = None,
) -> AttachmentOut:
    settings = runtime.settings
    content = await request.body()
    try:
        attachment = attachments.store_attachment(
            session=session, directory=settings.attachments_dir, max_bytes=settings.attachment_max_bytes,
            per_ticket=settings.attachments_per_ticket, ticket_id=ticket_id, file_name=name, content=content)
    except attachments.TooLarge as error:
        raise HTTPException(status.HTTP_413_REQUEST_ENTITY_TOO_LARGE, error.message) from None
    except attachments.UnsupportedType as error:
        raise HTTPException(status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, error.message) from None
    session.commit()
    return AttachmentOut.model_validate(attachment)


@router.get(
    "/tickets/{ticket_id}/attachments",
    response_model=list[AttachmentOut],
    responses={**AUTH_ERRORS, **NOT_FOUND},
    summary="The customer's photos and PDFs on this ticket (agent token)",
)
def list_attachments(ticket_id: TicketId, _agent: AgentDep, session: SessionDep) -> list[AttachmentOut]:
    return [AttachmentOut.model_validate(a) for a in attachments.list_attachments(session=session, ticket_id=ticket_id)]


@router.get(
    "/tickets/{ticket_id}/attachments/{attachment_id}/content",
    response_class=FileResponse,
    responses={200: {"content": {"image/jpeg": {}, "image/png": {}, "image/heic": {}, "application/pdf": {}},
                     "description": "The file"}, **AUTH_ERRORS, **NOT_FOUND},
    summary="One attachment's bytes (agent token)",
)
def attachment_content(
    ticket_id: TicketId,
    attachment_id: Annotated[int, Path(ge=1, le=MAX_ID, description="Attachment id")],
    _agent: AgentDep,
    runtime: RuntimeDep,
    session: SessionDep,
) -> FileResponse:
    attachment, path = attachments.attachment_file(session=session, directory=runtime.settings.attachments_dir,
                                                   ticket_id=ticket_id, attachment_id=attachment_id)
    return FileResponse(path, media_type=attachment.content_type, headers={
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "sandbox; default-src 'none'",
        "Content-Disposition": f"inline; filename=\"attachment-{attachment.id}\"",
        "Cache-Control": "private, no-store",
    })


def upload_limit(runtime: Runtime) -> tuple[str, int]:
    """The one path whose body may exceed HANDOFF_MAX_BODY_BYTES, and its own limit (for the body-size middleware)."""
    return UPLOAD_PATH, runtime.settings.attachment_max_bytes


class WidgetUploadCORS:
    """Cross-origin uploads from the insurer's pages that embed the widget (HANDOFF_WIDGET_ORIGINS), on the
    upload route only: no cookies are involved (the customer token is a header), and no other route opens up."""

    def __init__(self, app: ASGIApp, origins: tuple[str, ...]) -> None:
        import re

        self.app = app
        self.pattern = re.compile(UPLOAD_PATH)
        self.cors = CORSMiddleware(app, allow_origins=origins, allow_methods=("POST",),
                                   allow_headers=("Authorization", "Content-Type"), max_age=600)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.pattern.match(scope.get("path", "")):
            await self.cors(scope, receive, send)
        else:
            await self.app(scope, receive, send)
