"""Engine and sessions for the insurance database (URL from :mod:`actions.config`)."""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Optional

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from actions import config

_engine: Optional[Engine] = None
_session_factory: Optional[sessionmaker[Session]] = None


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        # A busy writer makes SQLite wait this long instead of failing at once.
        engine = create_engine(url, connect_args={"timeout": 5}, hide_parameters=True)

        @event.listens_for(engine, "connect")
        def _no_pysqlite_transactions(dbapi_connection, _record) -> None:
            # pysqlite would not BEGIN before a SAVEPOINT, so RELEASE would commit (a test's rolled-back
            # transaction kept rows); the "begin" hook below starts every transaction instead.
            dbapi_connection.isolation_level = None

        @event.listens_for(engine, "begin")
        def _begin(connection) -> None:
            connection.exec_driver_sql("BEGIN")

        return engine
    return create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 5}, hide_parameters=True)


def get_engine() -> Engine:
    """The process-wide engine, created on first use (never at import)."""
    global _engine
    if _engine is None:
        _engine = make_engine(config.INSURANCE_DATABASE_URL)
    return _engine


def use_session_factory(factory: Optional[sessionmaker[Session]]) -> None:
    """Point every ``session_scope`` at ``factory`` (tests bind one to a rolled-back connection)."""
    global _session_factory
    _session_factory = factory


@contextmanager
def session_scope() -> Iterator[Session]:
    """A session that commits on success and rolls back on any error."""
    global _session_factory
    if _session_factory is None:
        _session_factory = sessionmaker(get_engine(), expire_on_commit=False)
    with _session_factory.begin() as session:
        yield session
