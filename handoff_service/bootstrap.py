"""Start-up steps shared by ``python -m handoff_service`` and the CLI: migrate, then seed."""
from __future__ import annotations

import logging

from handoff_service.config import Settings
from handoff_service.db import make_engine, make_session_factory
from handoff_service.migrate import upgrade_database
from handoff_service.services.agents import ensure_agent

log = logging.getLogger("handoff_service")


def should_seed_demo_agent(settings: Settings) -> bool:
    # The embedded default (SQLite) gets a demo agent unless switched off; a PostgreSQL
    # deployment only when HANDOFF_SEED_DEMO_AGENT=true is set explicitly.
    if settings.seed_demo_agent is None:
        return settings.database_url.startswith("sqlite")
    return settings.seed_demo_agent


def prepare_database(settings: Settings) -> None:
    upgrade_database(settings.database_url)
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
            )
            session.commit()
            log.info("demo agent ready: %s <%s>", agent.name, agent.email)
    finally:
        engine.dispose()
