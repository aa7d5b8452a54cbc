"""Fixtures: every database test runs on SQLite and PostgreSQL.

PostgreSQL: 127.0.0.1:5432, user postgres, trust auth (override with HANDOFF_TEST_PG_ADMIN_URL).
Each run creates uniquely named databases and drops them afterwards; if the server is
unreachable, the PostgreSQL params skip and say why.

``session`` / ``client`` run inside an outer transaction that is rolled back (SQLAlchemy 2
"join an external transaction" pattern, commits become SAVEPOINT releases). Tests that need real
commits from several connections (concurrency, outbox worker, SSE) use ``fresh_db_url``.
"""
from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from handoff_service.app import build_runtime, create_app
from handoff_service.config import SETTINGS, Settings, replace_settings
from handoff_service.db import make_engine
from handoff_service.migrate import upgrade_database
from handoff_service.runtime import Runtime

from .helpers import SERVICE_TOKEN

PG_ADMIN_URL = os.getenv("HANDOFF_TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
BACKENDS = ["sqlite", "postgresql"]
_PG_ERROR: list[str] = []


def _pg_reachable() -> str | None:
    """None if reachable, else the reason (cached for the run)."""
    if not _PG_ERROR:
        try:
            with psycopg.connect(PG_ADMIN_URL, connect_timeout=3):
                _PG_ERROR.append("")
        except Exception as exc:  # noqa: BLE001
            _PG_ERROR.append(f"PostgreSQL unreachable at {PG_ADMIN_URL}: {exc.__class__.__name__}: {exc}".strip())
    return _PG_ERROR[0] or None


def _pg_url(database: str) -> str:
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    return f"{base}/{database}".replace("postgresql://", "postgresql+psycopg://", 1)


class DatabaseFactory:
    """Creates migrated databases for one backend and removes them at the end of the run."""

    def __init__(self, backend: str, tmp_dir: Path) -> None:
        self.backend = backend
        self.tmp_dir = tmp_dir
        self.created: list[str] = []

    def create(self) -> str:
        name = f"heard_handoff_test_{uuid.uuid4().hex[:12]}"
        if self.backend == "sqlite":
            url = f"sqlite:///{self.tmp_dir / (name + '.db')}"
        else:
            reason = _pg_reachable()
            if reason:
                pytest.skip(reason)
            with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{name}"')
            self.created.append(name)
            url = _pg_url(name)
        upgrade_database(url)
        return url

    def drop_all(self) -> None:
        if not self.created:
            return
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            for name in self.created:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    if request.param == "postgresql":
        reason = _pg_reachable()
        if reason:
            pytest.skip(reason)
    return request.param


@pytest.fixture(scope="session")
def db_factory(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DatabaseFactory]:
    factory = DatabaseFactory(backend, tmp_path_factory.mktemp(f"handoff-{backend}"))
    yield factory
    factory.drop_all()


@pytest.fixture(scope="session")
def shared_engine(db_factory: DatabaseFactory) -> Iterator[Engine]:
    engine = make_engine(db_factory.create())
    yield engine
    engine.dispose()


@pytest.fixture
def fresh_db_url(db_factory: DatabaseFactory) -> str:
    """A database of its own with real commits (dropped at the end of the run)."""
    return db_factory.create()


@pytest.fixture
def settings() -> Settings:
    return replace_settings(
        SETTINGS,
        service_token=SERVICE_TOKEN,
        secret_key="test-secret-key",
        business_hours="24/7",
        join_message="",
        run_background_tasks=False,
        rasa_url="http://127.0.0.1:9",  # nothing listens; outbox tests start a fake Rasa
        max_body_bytes=64 * 1024,
        default_handling_seconds=300.0,
    )


@pytest.fixture
def session_factory(shared_engine: Engine) -> Iterator[sessionmaker[Session]]:
    connection = shared_engine.connect()
    outer = connection.begin()
    yield sessionmaker(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    outer.rollback()
    connection.close()


@pytest.fixture
def runtime(settings: Settings, session_factory: sessionmaker[Session]) -> Runtime:
    return build_runtime(settings, session_factory=session_factory)


@pytest.fixture
def session(runtime: Runtime) -> Iterator[Session]:
    with runtime.session() as db_session:
        yield db_session


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime.settings, runtime=runtime)) as test_client:
        yield test_client
