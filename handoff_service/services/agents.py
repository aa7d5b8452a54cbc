"""Agents: creation (CLI and demo seed), login, presence."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from handoff_service.models import Agent, AgentRole, Presence, utcnow
from handoff_service.security import hash_password, verify_password
from handoff_service.services.errors import Conflict, NotFound
from handoff_service.services.hooks import stage_event


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_agent_by_email(*, session: Session, email: str) -> Agent | None:
    return session.scalars(select(Agent).where(func.lower(Agent.email) == normalise_email(email))).first()


def create_agent(
    *, session: Session, name: str, email: str, password: str, skills: list[str] | None = None,
    role: AgentRole = AgentRole.agent, team: str = "default",
) -> Agent:
    if find_agent_by_email(session=session, email=email) is not None:
        raise Conflict(f"An agent with e-mail {email!r} already exists")
    agent = Agent(
        name=name.strip(),
        email=normalise_email(email),
        password_hash=hash_password(password),
        skills=list(skills or []),
        role=role,
        team=team.strip() or "default",
        presence=Presence.away,
        presence_changed_at=utcnow(),
        created_at=utcnow(),
    )
    try:
        with session.begin_nested():
            session.add(agent)
    except IntegrityError as exc:
        raise Conflict(f"An agent with e-mail {email!r} already exists") from exc
    return agent


def ensure_agent(*, session: Session, name: str, email: str, password: str, skills: list[str] | None = None,
                 role: AgentRole = AgentRole.agent) -> Agent:
    """Idempotent seed: returns the existing agent with that e-mail, or creates it."""
    return find_agent_by_email(session=session, email=email) or create_agent(
        session=session, name=name, email=email, password=password, skills=skills, role=role
    )


def authenticate(*, session: Session, email: str, password: str) -> Agent | None:
    agent = find_agent_by_email(session=session, email=email)
    # verify_password runs even for unknown e-mails so response time does not reveal them.
    if not verify_password(agent.password_hash if agent else None, password) or agent is None:
        return None
    return agent


def get_agent(*, session: Session, agent_id: int) -> Agent:
    agent = session.get(Agent, agent_id)
    if agent is None:
        raise NotFound(f"Agent {agent_id} does not exist")
    return agent


def list_agents(*, session: Session) -> list[Agent]:
    return list(session.scalars(select(Agent).order_by(Agent.name, Agent.id)))


def set_presence(*, session: Session, agent: Agent, presence: Presence) -> Agent:
    if presence == Presence.online:
        agent.last_seen_at = utcnow()  # choosing online is itself a heartbeat (services/presence.py)
    if agent.presence != presence:
        agent.presence = presence
        agent.presence_changed_at = utcnow()
        session.flush()
        stage_event(session, "agent.presence", {"agent_id": agent.id, "name": agent.name, "presence": presence.value})
    return agent
