"""Domain errors raised by services; the API layer maps them to HTTP status codes."""
from __future__ import annotations


class ServiceError(Exception):
    code = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(ServiceError):
    code = "not_found"


class Conflict(ServiceError):
    """The requested transition is not allowed from the current state."""

    code = "conflict"


class Forbidden(ServiceError):
    """The caller is authenticated but this ticket is not theirs to act on."""

    code = "forbidden"


class UnknownAgent(ServiceError):
    """A signed agent token names an agent that does not exist (any more): the caller is not authenticated."""

    code = "unauthenticated"
