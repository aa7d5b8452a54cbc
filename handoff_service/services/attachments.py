"""Customers' photos and PDFs, kept with their ticket and shown to the agent.

The type is read from the file's first bytes (its "magic number"), never from its name or the
Content-Type the browser claims: a script renamed to photo.jpg is refused. Accepted: JPEG, PNG,
HEIC/HEIF (iPhone photos) and PDF. The bytes are written under a random key in the attachments
directory (never the customer's file name, so no path can be smuggled in); the row records the
name for display, the size and a sha256.
"""
from __future__ import annotations

import hashlib
import os
import secrets
import unicodedata
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from handoff_service.models import Attachment, Ticket, TicketStatus, utcnow
from handoff_service.services.errors import Conflict, NotFound, ServiceError
from handoff_service.services.hooks import stage_event
from handoff_service.services.tickets import add_system_message

# ISO base media "ftyp" brands of HEIC/HEIF still images (iPhone photos are "heic").
HEIF_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"})
OPEN_STATUSES = (TicketStatus.queued, TicketStatus.claimed)
MAX_NAME_CHARS = 120


class TooLarge(ServiceError):
    code = "too_large"


class UnsupportedType(ServiceError):
    code = "unsupported_type"


def sniff_content_type(head: bytes) -> str | None:
    """The content type the first bytes prove, or None for anything else."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if len(head) >= 12 and head[4:8] == b"ftyp" and head[8:12] in HEIF_BRANDS:
        return "image/heic"
    return None


def describe(content_type: str) -> str:
    return "a PDF" if content_type == "application/pdf" else "a photo"


def clean_file_name(raw: str | None) -> str:
    """A display name: no path, no control characters, bounded; never used to build a path."""
    name = (raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in unicodedata.normalize("NFC", name) if unicodedata.category(ch)[0] != "C").strip()
    return name[:MAX_NAME_CHARS] or "attachment"


def _path(directory: str, ticket_id: int, key: str) -> Path:
    return Path(directory) / str(ticket_id) / key


def store_attachment(
    *, session: Session, directory: str, max_bytes: int, per_ticket: int, ticket_id: int, file_name: str | None,
    content: bytes,
) -> Attachment:
    """Check and keep one upload; raises TooLarge, UnsupportedType, NotFound or Conflict (ticket closed / full)."""
    if len(content) > max_bytes:
        raise TooLarge(f"The file is larger than {max_bytes // (1024 * 1024)} MB")
    content_type = sniff_content_type(content[:16])
    if content_type is None:
        raise UnsupportedType("Only photos (JPEG, PNG, HEIC) and PDF documents can be sent")
    ticket = session.get(Ticket, ticket_id)
    if ticket is None:
        raise NotFound(f"Ticket {ticket_id} does not exist")
    if ticket.status not in OPEN_STATUSES:
        raise Conflict(f"Ticket {ticket_id} is {ticket.status.value}; it no longer accepts files")
    count = session.scalar(select(func.count()).select_from(Attachment).where(Attachment.ticket_id == ticket_id))
    if (count or 0) >= per_ticket:
        raise Conflict(f"Ticket {ticket_id} already has {per_ticket} files")
    key = secrets.token_hex(16)
    path = _path(directory, ticket_id, key)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".part")
    partial.write_bytes(content)
    os.replace(partial, path)  # readers never see half a file
    # If the transaction then fails, the file stays without a row: unreachable (random key), and cheaper than
    # a row whose file is missing, which the agent would see as broken.
    attachment = Attachment(ticket_id=ticket_id, content_type=content_type, file_name=clean_file_name(file_name),
                            size_bytes=len(content), sha256=hashlib.sha256(content).hexdigest(), storage_key=key,
                            created_at=utcnow())
    session.add(attachment)
    session.flush()
    # In the transcript too, so the agent notices it arrive.
    add_system_message(session=session, ticket=ticket,
                       text=f"The customer sent {describe(content_type)}: {attachment.file_name}")
    stage_event(session, "ticket.attachment", {"ticket_id": ticket_id, "attachment_id": attachment.id})
    return attachment


def list_attachments(*, session: Session, ticket_id: int) -> list[Attachment]:
    if session.get(Ticket, ticket_id) is None:
        raise NotFound(f"Ticket {ticket_id} does not exist")
    stmt = select(Attachment).where(Attachment.ticket_id == ticket_id).order_by(Attachment.id)
    return list(session.scalars(stmt))


def attachment_file(*, session: Session, directory: str, ticket_id: int, attachment_id: int) -> tuple[Attachment, Path]:
    attachment = session.get(Attachment, attachment_id)
    if attachment is None or attachment.ticket_id != ticket_id:
        raise NotFound(f"Attachment {attachment_id} does not exist on ticket {ticket_id}")
    path = _path(directory, ticket_id, attachment.storage_key)
    if not path.is_file():
        raise NotFound(f"Attachment {attachment_id}'s file is missing")
    return attachment, path
