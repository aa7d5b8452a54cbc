"""Start-up (migrate + demo seed), the create-agent command and `python -m handoff_service` (both backends)."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from handoff_service import cli
from handoff_service.bootstrap import prepare_database
from handoff_service.config import Settings, replace_settings
from handoff_service.db import make_engine, make_session_factory
from handoff_service.services.agents import authenticate, list_agents
from tests.conftest import free_port


ROOT = Path(__file__).resolve().parents[2]


def _agents(url: str) -> list[tuple[str, str]]:
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        result = [(a.name, a.email) for a in list_agents(session=session)]
    engine.dispose()
    return result


def test_demo_agent_is_seeded_once_and_can_log_in(fresh_db_url: str, settings: Settings) -> None:
    settings = replace_settings(settings, database_url=fresh_db_url, seed_demo_agent=True)
    prepare_database(settings)
    prepare_database(settings)  # idempotent
    assert _agents(fresh_db_url) == [("Sam", "demo@heard.example")]
    engine = make_engine(fresh_db_url)
    with make_session_factory(engine)() as session:
        assert authenticate(session=session, email="demo@heard.example", password="heard-demo") is not None
        assert authenticate(session=session, email="demo@heard.example", password="wrong") is None
    engine.dispose()


def test_postgres_is_not_seeded_unless_asked(settings: Settings) -> None:
    from handoff_service.bootstrap import should_seed_demo_agent

    pg = replace_settings(settings, database_url="postgresql://x/y", seed_demo_agent=None)
    assert not should_seed_demo_agent(pg)
    assert should_seed_demo_agent(replace_settings(pg, seed_demo_agent=True))
    assert should_seed_demo_agent(replace_settings(pg, database_url="sqlite:///x.db"))
    assert not should_seed_demo_agent(replace_settings(pg, database_url="sqlite:///x.db", seed_demo_agent=False))


def test_create_agent_command(fresh_db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["create-agent", "--name", "Priya", "--email", "Priya@Heard.example", "--password", "long enough!",
            "--skills", "home, motor", "--database-url", fresh_db_url]
    assert cli.main(argv) == 0
    assert "Created agent" in capsys.readouterr().out
    assert cli.main(argv) == 1  # same e-mail again
    assert "already exists" in capsys.readouterr().err
    assert cli.main([*argv[:5], "--password", "short", "--database-url", fresh_db_url]) == 2
    assert _agents(fresh_db_url) == [("Priya", "priya@heard.example")]


def test_python_dash_m_serves_health(fresh_db_url: str) -> None:
    port = free_port()
    env = {**os.environ, "DATABASE_URL": fresh_db_url, "HANDOFF_PORT": str(port), "HANDOFF_HOST": "127.0.0.1",
           "RASA_URL": "http://127.0.0.1:9", "HANDOFF_SEED_DEMO_AGENT": "true"}
    proc = subprocess.Popen([sys.executable, "-m", "handoff_service"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else "exited"
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/health", timeout=1)
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline, "service did not start within 60 s"
                time.sleep(0.2)
        assert response.json() == {"status": "ok", "database": "ok", "event_bus": "in-process"}
        login = httpx.post(f"http://127.0.0.1:{port}/api/v1/auth/login",
                           json={"email": "demo@heard.example", "password": "heard-demo"})
        assert login.status_code == 200
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def test_replicas_take_turns_to_migrate(fresh_db_url: str, settings: Settings) -> None:
    """While another replica holds the start-up lock, this one waits instead of migrating alongside it."""
    import threading

    from sqlalchemy import text

    from handoff_service.bootstrap import STARTUP_LOCK_KEY, startup_lock

    settings = replace_settings(settings, database_url=fresh_db_url, seed_demo_agent=True)
    if fresh_db_url.startswith("sqlite"):
        with startup_lock(fresh_db_url), startup_lock(fresh_db_url):  # one process: nothing to wait for
            pass
        return
    engine = make_engine(fresh_db_url)
    try:
        with engine.connect() as holder:
            holder.execute(text("SELECT pg_advisory_lock(:key)"), {"key": STARTUP_LOCK_KEY})
            waiting = threading.Thread(target=prepare_database, args=(settings,))
            waiting.start()
            waiting.join(timeout=1.0)
            assert waiting.is_alive(), "start-up did not wait for the lock"
            assert _agents(fresh_db_url) == []
            holder.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": STARTUP_LOCK_KEY})
            holder.commit()
        waiting.join(timeout=60)
        assert not waiting.is_alive()
        assert _agents(fresh_db_url) == [("Sam", "demo@heard.example")]
    finally:
        engine.dispose()
