"""Agents: creation (CLI and demo seed), sign-in (throttled, optional TOTP), revocation, disabling, presence."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from handoff_service import totp
from handoff_service.config import Settings
from handoff_service.models import Agent, AgentRole, Presence, Ticket, TicketStatus, utcnow
from handoff_service.security import hash_password, verify_password
from handoff_service.services import login_throttle
from handoff_service.services.claims import release_ticket
from handoff_service.services.errors import Conflict, NotFound, ServiceError
from handoff_service.services.hooks import stage_event

MIN_PASSWORD_CHARS = 12


class SignInRefused(ServiceError):
    """Wrong e-mail, password or code (401), a disabled agent (403) or a lockout (429, retry_after_seconds)."""

    code = "sign_in_refused"

    def __init__(self, message: str, *, status: int = 401, retry_after_seconds: int | None = None,
                 second_factor_needed: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after_seconds = retry_after_seconds
        self.second_factor_needed = second_factor_needed


class WeakPassword(ServiceError):
    code = "weak_password"


@dataclass(frozen=True)
class SignInAttempt:
    email: str
    password: str
    totp_code: str | None = None
    address: str | None = None


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


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_CHARS:
        raise WeakPassword(f"A password needs at least {MIN_PASSWORD_CHARS} characters")


def sign_in(*, session: Session, settings: Settings, attempt: SignInAttempt) -> Agent:
    """The agent, or SignInRefused. A lockout in force is refused before any hash is computed; each wrong
    password or code counts towards the account's and the address's limits (services/login_throttle.py)."""
    lockout = login_throttle.lockout_for(session=session, email=attempt.email, address=attempt.address)
    if lockout is not None:
        raise SignInRefused(lockout.message, status=429, retry_after_seconds=lockout.retry_after_seconds)
    agent = authenticate(session=session, email=attempt.email, password=attempt.password)
    if agent is None:
        _count_failure(session, settings, attempt)
        raise SignInRefused("Wrong e-mail or password")
    if agent.disabled_at is not None:
        raise SignInRefused("This account is disabled; ask an administrator", status=403)
    if agent.totp_secret:
        if not attempt.totp_code:
            raise SignInRefused("Enter the 6-digit code from your authenticator app", second_factor_needed=True)
        step = totp.matching_step(agent.totp_secret, attempt.totp_code, after_step=agent.totp_last_step)
        if step is None:
            _count_failure(session, settings, attempt)
            raise SignInRefused("Wrong or already used code from the authenticator app", second_factor_needed=True)
        agent.totp_last_step = step
    login_throttle.record_success(session=session, email=attempt.email)
    session.flush()
    return agent


def _count_failure(session: Session, settings: Settings, attempt: SignInAttempt) -> None:
    login_throttle.record_failure(session=session, settings=settings, email=attempt.email, address=attempt.address)
    # Committed now: the caller answers with an error, and the count must outlive the request.
    session.commit()


def revoke_tokens(*, session: Session, agent: Agent) -> Agent:
    """Every token issued to the agent so far stops working (logout signs out everywhere)."""
    agent.token_version = (agent.token_version or 0) + 1
    session.flush()
    return agent


def logout(*, session: Session, agent: Agent) -> Agent:
    revoke_tokens(session=session, agent=agent)
    return set_presence(session=session, agent=agent, presence=Presence.away)


def change_password(*, session: Session, agent: Agent, new_password: str) -> Agent:
    check_password_strength(new_password)
    agent.password_hash = hash_password(new_password)
    agent.password_changed_at = utcnow()
    return revoke_tokens(session=session, agent=agent)


def change_own_password(*, session: Session, settings: Settings, agent: Agent, current_password: str,
                        new_password: str, address: str | None) -> Agent:
    """The current password goes through the same brake as a sign-in: a stolen token must not guess it freely."""
    lockout = login_throttle.lockout_for(session=session, email=agent.email, address=address)
    if lockout is not None:
        raise SignInRefused(lockout.message, status=429, retry_after_seconds=lockout.retry_after_seconds)
    check_password_strength(new_password)
    if not verify_password(agent.password_hash, current_password):
        _count_failure(session, settings, SignInAttempt(email=agent.email, password="", address=address))
        raise SignInRefused("The current password is not right", status=400)
    return change_password(session=session, agent=agent, new_password=new_password)


def set_disabled(*, session: Session, agent: Agent, disabled: bool) -> Agent:
    """A disabled agent cannot sign in and every token of theirs fails at once; they are shown away, and the
    conversations they held go back to the queue at their place (no customer is left with nobody)."""
    if disabled:
        agent.disabled_at = agent.disabled_at or utcnow()
        revoke_tokens(session=session, agent=agent)
        set_presence(session=session, agent=agent, presence=Presence.away)
        held = session.scalars(select(Ticket.id).where(Ticket.assigned_agent_id == agent.id,
                                                       Ticket.status == TicketStatus.claimed)).all()
        for ticket_id in held:
            release_ticket(session=session, agent=agent, ticket_id=ticket_id)
    else:
        agent.disabled_at = None
    session.flush()
    return agent


def enable_totp(*, session: Session, agent: Agent) -> str:
    """A new secret for the agent's authenticator app (shown once); earlier tokens are revoked."""
    agent.totp_secret = totp.new_secret()
    agent.totp_last_step = None
    revoke_tokens(session=session, agent=agent)
    return agent.totp_secret


def disable_totp(*, session: Session, agent: Agent) -> Agent:
    agent.totp_secret = None
    agent.totp_last_step = None
    return revoke_tokens(session=session, agent=agent)


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
