"""Request dependencies: runtime, database session and the three kinds of caller.

401 = no or invalid credentials; 403 = valid credentials that do not cover this resource.
An agent's token is valid only while its version is the agent's current ``token_version`` and the agent is
not disabled: logout, a password change or disabling revokes every token at once (one indexed read a request).
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Path, Query, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import select
from sqlalchemy.orm import Session

from handoff_service.models import Agent
from handoff_service.runtime import Runtime
from handoff_service.security import constant_time_equals

bearer = HTTPBearer(auto_error=False, description="Service token, agent token or customer token")
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
MAX_ID = 2**31 - 1
TicketId = Annotated[int, Path(ge=1, le=MAX_ID, description="Ticket id")]
DeliveryId = Annotated[int, Path(ge=1, le=MAX_ID, description="Delivery id")]
ConversationId = Annotated[str, Path(min_length=1, max_length=255, pattern=r"^[^\x00-\x1f\x7f]+$")]


def get_runtime(request: Request) -> Runtime:
    return request.app.state.runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def get_session(runtime: RuntimeDep) -> Iterator[Session]:
    session = runtime.session()
    try:
        yield session
    finally:
        session.close()


SessionDep = Annotated[Session, Depends(get_session)]


def _unauthorized(message: str) -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, message, headers={"WWW-Authenticate": "Bearer"})


def _token(credentials: HTTPAuthorizationCredentials | None) -> str:
    if credentials is None or not credentials.credentials:
        raise _unauthorized("Missing bearer token")
    return credentials.credentials


def is_service_token(runtime: Runtime, token: str) -> bool:
    return bool(runtime.settings.service_token) and constant_time_equals(token, runtime.settings.service_token)


def require_service(runtime: RuntimeDep, credentials: Credentials) -> None:
    if not is_service_token(runtime, _token(credentials)):
        raise _unauthorized("Invalid service token")


def _max_age(runtime: Runtime, kind: str) -> int:
    settings = runtime.settings
    return {"agent": settings.agent_token_ttl_seconds, "refresh": settings.agent_refresh_ttl_seconds,
            "stream": settings.stream_token_ttl_seconds}[kind]


def current_agent_id(runtime: Runtime, session: Session, token: str, kind: str) -> int | None:
    """The agent a valid, unrevoked token of this kind names; None if expired, revoked, disabled or unknown."""
    claims = runtime.signer.verify(kind, token, _max_age(runtime, kind))  # type: ignore[arg-type]
    if claims is None:
        return None
    row = session.execute(select(Agent.token_version, Agent.disabled_at).where(Agent.id == claims.subject)).first()
    if row is None or row.disabled_at is not None or row.token_version != claims.version:
        return None
    return claims.subject


def _agent_from_token(runtime: Runtime, session: Session, token: str, kind: str) -> Agent:
    agent = session.get(Agent, _agent_id_or_401(runtime, session, token, kind))
    if agent is None:
        raise _unauthorized("Invalid or expired agent token")
    return agent


def _agent_id_or_401(runtime: Runtime, session: Session, token: str, kind: str) -> int:
    agent_id = current_agent_id(runtime, session, token, kind)
    if agent_id is None:
        raise _unauthorized("Invalid, expired or revoked agent token")
    return agent_id


def require_agent(runtime: RuntimeDep, session: SessionDep, credentials: Credentials) -> Agent:
    return _agent_from_token(runtime, session, _token(credentials), "agent")


def require_agent_id(runtime: RuntimeDep, session: SessionDep, credentials: Credentials) -> int:
    """The agent a valid agent token names, not loaded as an object (routes whose own statement reads the agent);
    revocation is still checked with one indexed read."""
    return _agent_id_or_401(runtime, session, _token(credentials), "agent")


def require_stream_agent(
    runtime: RuntimeDep,
    credentials: Credentials,
    token: Annotated[str | None, Query(max_length=512, description="Short-lived stream token (EventSource)")] = None,
) -> int:
    """EventSource cannot send headers, so a short-lived stream token in the query is accepted too.

    Uses its own short session: a stream lasts hours and must not hold a pooled connection.
    """
    with runtime.session() as session:
        if token:
            return _agent_id_or_401(runtime, session, token, "stream")
        return _agent_id_or_401(runtime, session, _token(credentials), "agent")


def require_service_or_customer(runtime: RuntimeDep, credentials: Credentials, ticket_id: TicketId) -> None:
    token = _token(credentials)
    if is_service_token(runtime, token):
        return
    claims = runtime.signer.verify("customer", token, runtime.settings.customer_token_ttl_seconds)
    if claims is None:
        raise _unauthorized("Invalid token")
    if claims.subject != ticket_id:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "This token is for another ticket")


ServiceAuth = Depends(require_service)
AgentDep = Annotated[Agent, Depends(require_agent)]
AgentIdDep = Annotated[int, Depends(require_agent_id)]
