"""The two databases besides its own that retention and erasure reach: Rasa's tracker store and the action
server's (its handoff outbox). Described here as plain tables (no Rasa or action-server import: different
runtimes); a store that does not exist yet, or has not made the table yet, simply has nothing to remove.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import os

from sqlalchemy import JSON, Column, DateTime, Engine, Float, Integer, MetaData, String, Table, Text, create_engine, inspect
from sqlalchemy.engine import Connection, make_url

from handoff_service.db import normalise_url

_METADATA = MetaData()
# Rasa 3.6's SQLTrackerStore (rasa/core/tracker_store.py, SQLEvent): one row per event, ``timestamp`` in epoch s.
TRACKER_EVENTS = Table(
    "events", _METADATA,
    Column("id", Integer, primary_key=True), Column("sender_id", String(255)), Column("type_name", String(255)),
    Column("timestamp", Float), Column("intent_name", String(255)), Column("action_name", String(255)),
    Column("data", Text),
)
# actions/handoff/outbox.py HandoffWork: naive UTC datetimes.
ACTION_OUTBOX = Table(
    "handoff_outbox", _METADATA,
    Column("id", Integer, primary_key=True), Column("conversation_id", String(255)), Column("kind", String(32)),
    Column("payload", JSON), Column("done_at", DateTime), Column("created_at", DateTime),
)


def _missing_sqlite_file(url: str) -> bool:
    if not url.startswith("sqlite"):
        return False
    database = make_url(url).database
    return not database or (database != ":memory:" and not os.path.exists(database))


@contextmanager
def store(url: str, table: Table) -> Iterator[Connection | None]:
    """A connection in a transaction (committed on success) when ``url`` holds ``table``; else None."""
    if not url or _missing_sqlite_file(url):
        yield None
        return
    # A plain engine: the other runtimes own these files and their settings (no WAL switch, no pragmas from us).
    engine: Engine = create_engine(normalise_url(url), hide_parameters=True)
    try:
        with engine.begin() as connection:
            yield connection if inspect(connection).has_table(table.name) else None
    finally:
        engine.dispose()
