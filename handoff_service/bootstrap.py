"""Start-up steps shared by ``python -m handoff_service`` and the CLI: migrate, then seed.

Replicas start at the same time; on PostgreSQL they take turns through a session advisory lock, so
two never run the migrations (or seed the demo agent) at once.
"""
from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text

from handoff_service.config import Settings, SettingsError, is_exposed, seeds_demo_agent
from handoff_service.db import make_engine, make_session_factory
from handoff_service.migrate import upgrade_database
from handoff_service.models import AgentRole
from handoff_service.services.agents import ensure_agent, find_agent_by_email

log = logging.getLogger("handoff_service")
should_seed_demo_agent = seeds_demo_agent  # the name start-up code and tests know


STARTUP_LOCK_KEY = 0x48656172  # "Hear": one advisory lock id for the handoff service's start-up


@contextmanager
def startup_lock(database_url: str) -> Iterator[None]:
    """Held while this process migrates and seeds; a no-op on SQLite (one process)."""
    if database_url.startswith("sqlite"):
        yield
        return
    engine = make_engine(database_url, pool_size=1, max_overflow=0)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": STARTUP_LOCK_KEY})
            connection.commit()
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": STARTUP_LOCK_KEY})
                connection.commit()
    finally:
        engine.dispose()


def prepare_database(settings: Settings) -> None:
    with startup_lock(settings.database_url):
        _migrate_and_seed(settings)


def refuse_enabled_demo_agent(settings: Settings) -> None:
    """A service others can reach must not keep the demo agent (its password is published) from an earlier
    loopback run: the start stops and says how to disable it."""
    if not is_exposed(settings):
        return
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as session:
            demo = find_agent_by_email(session=session, email=settings.demo_agent_email)
            if demo is not None and demo.disabled_at is None:
                raise SettingsError(
                    f"The demo agent <{settings.demo_agent_email}> is enabled and its password is published; "
                    "a service reachable from other machines will not start with it. Disable it: "
                    f".venv/bin/python -m handoff_service.cli disable-agent --email {settings.demo_agent_email}")
    finally:
        engine.dispose()


def _migrate_and_seed(settings: Settings) -> None:
    upgrade_database(settings.database_url)
    refuse_enabled_demo_agent(settings)
    if not should_seed_demo_agent(settings):
        return
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as session:
            agent = ensure_agent(
                session=session,
                name=settings.demo_agent_name,
                email=settings.demo_agent_email,
                password=settings.demo_agent_password,
                skills=["home", "motor", "travel", "life"],
                # The embedded demo shows the dashboard too (/dashboard); real agents are created with a role.
                role=AgentRole.team_lead,
            )
            agent.role = AgentRole.team_lead  # also a demo agent seeded before roles existed
            session.commit()
            log.info("demo agent ready: %s <%s>", agent.name, agent.email)
    finally:
        engine.dispose()
