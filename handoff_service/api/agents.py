"""Agent authentication and presence: sign-in (throttled, optional second factor), refresh, logout, password."""
from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, Response, status

from handoff_service.api.deps import AgentDep, RuntimeDep, SessionDep, current_agent_id
from handoff_service.api.responses import AUTH_ERRORS
from handoff_service.api.schemas import (
    AgentOut,
    ErrorOut,
    LoginIn,
    LoginOut,
    PasswordChangeIn,
    PresenceIn,
    RefreshIn,
    StreamTokenOut,
)
from handoff_service.models import Agent
from handoff_service.runtime import Runtime
from handoff_service.services import agents
from handoff_service.services.agents import SignInAttempt, SignInRefused, WeakPassword

router = APIRouter(prefix="/api/v1", tags=["agents"])

SIGN_IN_ERRORS = {
    401: {"model": ErrorOut, "description": "Wrong e-mail, password or code (header X-Heard-Second-Factor: "
                                            "totp when a code from the authenticator app is needed)"},
    403: {"model": ErrorOut, "description": "The agent is disabled"},
    429: {"model": ErrorOut, "description": "Too many failed sign-ins for the account or the address (Retry-After)"},
}


def _tokens(runtime: Runtime, agent: Agent) -> LoginOut:
    settings = runtime.settings
    return LoginOut(
        access_token=runtime.signer.issue("agent", agent.id, agent.token_version),
        expires_in=settings.agent_token_ttl_seconds,
        refresh_token=runtime.signer.issue("refresh", agent.id, agent.token_version),
        refresh_expires_in=settings.agent_refresh_ttl_seconds,
        agent=AgentOut.model_validate(agent),
    )


def _refused(error: SignInRefused) -> HTTPException:
    headers = {}
    if error.status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    if error.second_factor_needed:
        headers["X-Heard-Second-Factor"] = "totp"
    if error.retry_after_seconds is not None:
        headers["Retry-After"] = str(error.retry_after_seconds)
    return HTTPException(error.status, error.message, headers=headers)


@router.post("/auth/login", response_model=LoginOut, responses=SIGN_IN_ERRORS,
             summary="Agent sign-in: an access token and a refresh token")
def login(body: LoginIn, request: Request, runtime: RuntimeDep, session: SessionDep) -> LoginOut:
    attempt = SignInAttempt(email=body.email, password=body.password, totp_code=body.totp_code,
                            address=request.client.host if request.client else None)
    try:
        agent = agents.sign_in(session=session, settings=runtime.settings, attempt=attempt)
    except SignInRefused as error:
        raise _refused(error) from None
    session.commit()
    return _tokens(runtime, agent)


@router.post("/auth/refresh", response_model=LoginOut,
             responses={401: {"model": ErrorOut, "description": "Refresh token invalid, expired or revoked"}},
             summary="New access and refresh tokens (until logout, a password change or disabling)")
def refresh(body: RefreshIn, runtime: RuntimeDep, session: SessionDep) -> LoginOut:
    agent_id = current_agent_id(runtime, session, body.refresh_token, "refresh")
    agent = session.get(Agent, agent_id) if agent_id is not None else None
    if agent is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Please sign in again",
                            headers={"WWW-Authenticate": "Bearer"})
    return _tokens(runtime, agent)


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT, responses=AUTH_ERRORS,
             summary="Sign out everywhere: every token of this agent stops working; presence away")
def logout(agent: AgentDep, session: SessionDep) -> Response:
    agents.logout(session=session, agent=agent)
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/auth/password", response_model=LoginOut,
             responses={**AUTH_ERRORS, 400: {"model": ErrorOut, "description": "Current password wrong or new one "
                                                                                 "too short"},
                        429: SIGN_IN_ERRORS[429]},
             summary="Change own password: earlier tokens stop working, fresh ones are returned")
def change_password(body: PasswordChangeIn, request: Request, agent: AgentDep, runtime: RuntimeDep,
                    session: SessionDep) -> LoginOut:
    try:
        agents.change_own_password(session=session, settings=runtime.settings, agent=agent,
                                   current_password=body.current_password, new_password=body.new_password,
                                   address=request.client.host if request.client else None)
    except SignInRefused as error:
        raise _refused(error) from None
    except WeakPassword as error:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, error.message) from None
    session.commit()
    return _tokens(runtime, agent)


@router.post(
    "/auth/stream-token",
    response_model=StreamTokenOut,
    responses=AUTH_ERRORS,
    summary="Short-lived token for GET /api/v1/events?token=... (EventSource cannot send headers)",
)
def stream_token(agent: AgentDep, runtime: RuntimeDep) -> StreamTokenOut:
    return StreamTokenOut(
        token=runtime.signer.issue("stream", agent.id, agent.token_version),
        expires_in=runtime.settings.stream_token_ttl_seconds,
    )


@router.get("/agents/me", response_model=AgentOut, responses=AUTH_ERRORS, summary="The logged-in agent")
def me(agent: AgentDep) -> AgentOut:
    return AgentOut.model_validate(agent)


@router.put(
    "/agents/me/presence",
    response_model=AgentOut,
    responses=AUTH_ERRORS,
    summary="Set own presence (online agents count towards the ETA)",
)
def set_presence(body: PresenceIn, agent: AgentDep, session: SessionDep) -> AgentOut:
    agents.set_presence(session=session, agent=agent, presence=body.presence)
    session.commit()
    return AgentOut.model_validate(agent)


@router.get("/agents", response_model=list[AgentOut], responses=AUTH_ERRORS, summary="All agents (transfer targets)")
def list_agents(_agent: AgentDep, session: SessionDep) -> list[AgentOut]:
    return [AgentOut.model_validate(a) for a in agents.list_agents(session=session)]
