"""Helpers shared by the handoff tests (imported relatively: ``from .helpers import ...``)."""
from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from handoff_service.models import Agent, Presence
from handoff_service.runtime import Runtime
from handoff_service.security import hash_password
from tests.conftest import free_port

SERVICE_TOKEN = "test-service-token"
_FAST_HASH = hash_password("correct horse battery")


def make_agent(session: Session, name: str, *, online: bool = True, email: str | None = None) -> Agent:
    """Agents with a precomputed hash (argon2 is deliberately slow); password 'correct horse battery'."""
    agent = Agent(
        name=name,
        email=email or f"{name.lower()}-{uuid.uuid4().hex[:6]}@heard.example",
        password_hash=_FAST_HASH,
        skills=[],
        presence=Presence.online if online else Presence.away,
    )
    session.add(agent)
    session.flush()
    return agent


AGENT_PASSWORD = "correct horse battery"


def service_headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {SERVICE_TOKEN}"}


def agent_headers(runtime: Runtime, agent: Agent) -> dict[str, str]:
    return {"Authorization": f"Bearer {runtime.signer.issue('agent', agent.id)}"}


def claim_until_empty(database_url: str, agent_id: int, *, stop_after: int | None = None) -> list[int]:
    """Claim tickets one by one (one transaction each) until the queue is empty; returns the ids.

    Module-level so that multiprocessing can run it in child processes too.
    """
    
    from handoff_service.config import SETTINGS, replace_settings
    from handoff_service.db import make_engine, make_session_factory
    from handoff_service.services import claims

    settings = replace_settings(SETTINGS, join_message="")
    engine = make_engine(database_url, pool_size=1, max_overflow=0) if not database_url.startswith(
        "sqlite"
    ) else make_engine(database_url)
    factory = make_session_factory(engine)
    claimed: list[int] = []
    try:
        while stop_after is None or len(claimed) < stop_after:
            with factory() as session:
                ticket = claims.claim_next(session=session, settings=settings, agent_id=agent_id)
                session.commit()
                if ticket is None:
                    break
                claimed.append(ticket.id)
    finally:
        engine.dispose()
    return claimed




class LiveServer:
    """The real app under uvicorn in a background thread, on a random free port."""

    def __init__(self, app: object) -> None:
        import threading

        import uvicorn

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on", timeout_graceful_shutdown=1
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> "LiveServer":
        import time

        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
