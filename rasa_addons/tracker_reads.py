"""A conversation read from the SQL tracker store by one prebuilt statement, not an ORM query built per read.

Rasa 3.6's ``SQLTrackerStore._retrieve`` builds an ORM query on every read (a subquery for the latest
``session_started``, filters, ordering), loads every row as a mapped ``SQLEvent`` object with its identity
map entry and instance state, and then uses only its ``data`` column. Under the load bench that was ~8 % of
the embedded Rasa's GIL time (docs/benchmarks.md, "Many customers at once", session 8).

Here the same SQL — the same tables, the same conditions, the same order by id — is built once per store as
a Core ``select`` of the ``data`` column alone, with the sender id as its parameter, and run in the store's
own ``session_scope`` (so the PostgreSQL schema check, a patched scope in the tests and the connection pool
are Rasa's). The events and the tracker are made exactly as Rasa makes them
(tests/rasa/test_tracker_reads.py compares both on many stored conversations, SQLite and PostgreSQL).
"""
from __future__ import annotations

import json
import logging
from typing import Any, Dict, List, Optional, Text, Tuple

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker

logger = logging.getLogger(__name__)

_STATEMENTS = "_heard_read_statements"  # on a store: (latest session's statement, all sessions' statement)


def _statements(store: SQLTrackerStore) -> Tuple[Any, Any]:
    built = store.__dict__.get(_STATEMENTS)
    if built is None:
        table = store.SQLEvent.__table__
        sender = sa.bindparam("sender_id")
        # Rasa's _event_query: the latest session_started's timestamp as a one-row subquery in the FROM list.
        session_start = (
            sa.select(sa.func.max(table.c.timestamp).label("session_start"))
            .where(table.c.sender_id == sender, table.c.type_name == SessionStarted.type_name)
            .subquery()
        )
        latest = (
            sa.select(table.c.data)
            .select_from(table)
            .where(
                table.c.sender_id == sender,
                sa.or_(table.c.timestamp >= session_start.c.session_start, session_start.c.session_start.is_(None)),
            )
            .order_by(table.c.id)
        )
        everything = sa.select(table.c.data).where(table.c.sender_id == sender).order_by(table.c.id)
        built = (latest, everything)
        store.__dict__[_STATEMENTS] = built
    return built


def stored_events(store: SQLTrackerStore, sender_id: Text, fetch_events_from_all_sessions: bool) -> List[Dict]:
    """The events Rasa's ``_event_query(...).all()`` finds for ``sender_id``, as the dicts it loads from JSON."""
    latest, everything = _statements(store)
    statement = everything if fetch_events_from_all_sessions else latest
    with store.session_scope() as session:
        rows = session.execute(statement, {"sender_id": sender_id}).scalars().all()
    # Each row is one JSON document (json.dumps of an event); read as one array they come back equal to Rasa's
    # one json.loads per row, in a third of the time.
    return json.loads("[" + ",".join(rows) + "]")


async def retrieve(
    store: SQLTrackerStore, sender_id: Text, fetch_events_from_all_sessions: bool
) -> Optional[DialogueStateTracker]:
    """What Rasa's ``SQLTrackerStore._retrieve`` returns, read by the statements above."""
    events = stored_events(store, sender_id, fetch_events_from_all_sessions)
    if store.domain and len(events) > 0:
        logger.debug(f"Recreating tracker from sender id '{sender_id}'")
        return DialogueStateTracker.from_dict(sender_id, events, store.domain.slots)
    logger.debug(f"Can't retrieve tracker matching sender id '{sender_id}' from SQL storage. Returning `None` instead.")
    return None
