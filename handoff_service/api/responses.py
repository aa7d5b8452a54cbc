"""Documented error responses, reused by the routers so the OpenAPI spec lists them."""
from __future__ import annotations

from typing import Any

from handoff_service.api.schemas import ErrorOut

AUTH_ERRORS: dict[int | str, dict[str, Any]] = {401: {"model": ErrorOut, "description": "Missing or invalid token"}}
FORBIDDEN: dict[int | str, dict[str, Any]] = {
    403: {"model": ErrorOut, "description": "Valid token, but this ticket is not yours to act on"}
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorOut, "description": "Unknown ticket, conversation or agent"}}
CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"model": ErrorOut, "description": "Not allowed in the ticket's current status"}
}
