"""Agent authentication and presence."""
from __future__ import annotations

from fastapi import APIRouter, HTTPException, status

from handoff_service.api.responses import AUTH_ERRORS
from handoff_service.api.deps import AgentDep, RuntimeDep, SessionDep
from handoff_service.api.schemas import AgentOut, ErrorOut, LoginIn, LoginOut, PresenceIn, StreamTokenOut
from handoff_service.services import agents

router = APIRouter(prefix="/api/v1", tags=["agents"])


@router.post(
    "/auth/login",
    response_model=LoginOut,
    responses={401: {"model": ErrorOut, "description": "Wrong e-mail or password"}},
    summary="Agent login: returns a bearer token",
)
def login(body: LoginIn, runtime: RuntimeDep, session: SessionDep) -> LoginOut:
    agent = agents.authenticate(session=session, email=body.email, password=body.password)
    if agent is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Wrong e-mail or password")
    return LoginOut(
        access_token=runtime.signer.issue("agent", agent.id),
        expires_in=runtime.settings.agent_token_ttl_seconds,
        agent=AgentOut.model_validate(agent),
    )


@router.post(
    "/auth/stream-token",
    response_model=StreamTokenOut,
    responses=AUTH_ERRORS,
    summary="Short-lived token for GET /api/v1/events?token=... (EventSource cannot send headers)",
)
def stream_token(agent: AgentDep, runtime: RuntimeDep) -> StreamTokenOut:
    return StreamTokenOut(
        token=runtime.signer.issue("stream", agent.id), expires_in=runtime.settings.stream_token_ttl_seconds
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
