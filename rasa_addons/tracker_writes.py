"""Every event a turn adds reaches the SQL tracker store, even when two turns raced or PostgreSQL cut a connection.

Rasa 3.6's ``SQLTrackerStore.save`` stores ``tracker.events[n:]`` where n is the number of rows already
stored for the conversation's session. When two turns of one conversation run at once (two replicas, a
lock that expired under a stalled turn), the second writer's n already counts the first writer's rows, so
the second writer's first events — its customer message — are skipped: the customer got HTTP 200 and a
reply, and the tracker has no trace of what they wrote (bench/faults.py found 2 such messages).

Here a tracker remembers how many of its events are stored (set when it is read, moved on each time it is
saved), and ``save`` writes exactly the events added since. A tracker this store did not read (a new
conversation, a full-history read for the HTTP API) keeps Rasa's own rule.

A connection PostgreSQL dropped (restart, failover, ``pg_terminate_backend``) is tested before use
(``pool_pre_ping``); a read or write that still meets a dead connection, or finds the database briefly
unreachable (a restart), is retried on a fresh one for up to ``sum(RETRY_DELAYS_SECONDS)`` (7.5 s): Rasa's
REST channel answers 200 with the bot's replies even when the final save failed, so a short outage should
cost time, not a message. After that the error is raised. Rasa's ``FailSafeTrackerStore`` would then
have answered a failed read with a brand-new, empty conversation (a paused customer suddenly answered by
the bot) and kept a failed write in this replica's memory only: both now fail the turn instead, loudly.

Installed by ``python -m rasa_addons.serve`` before ``nonblocking.offload_tracker_store`` (which runs these
methods in its worker threads; they never suspend).
"""
from __future__ import annotations

import itertools
import json
import logging
import time
from typing import Any, Awaitable, Callable, Dict, Optional, Text, TypeVar

import rasa.core.tracker_store as rasa_tracker_store
from rasa.core.tracker_store import FailSafeTrackerStore, SQLTrackerStore
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
import sqlalchemy
from sqlalchemy.exc import InterfaceError, OperationalError

from rasa_addons import tracker_reads

logger = logging.getLogger(__name__)

STORED_MARK = "_heard_events_stored"  # on a tracker: how many of its events are in the store
# Waits before each retry of a read or write that lost its connection: at once (a dropped connection
# invalidates the pool, so the retry opens a fresh one), then a PostgreSQL restart's few seconds. The
# customer waits meanwhile; longer than this and the turn fails.
RETRY_DELAYS_SECONDS = (0.0, 0.5, 1.0, 2.0, 4.0)
_INSTALLED_MARK = "_heard_durable_writes"
# The embedded stack's SQLite tracker store: a write-ahead log instead of a rollback journal created and
# deleted on every commit, synced at checkpoints rather than on each commit. A committed turn survives the
# process being killed (the log is in the file system); only a power cut or OS crash can lose the last
# turns. The production profile uses PostgreSQL. Measured in bench/load.py (docs/benchmarks.md).
SQLITE_PRAGMAS = ("PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL")
# SQLAlchemy 1.4 opens and closes a file-backed SQLite database for every session (NullPool): under load
# that was a sixth of Rasa's busy time (connect, the pragmas, and a WAL checkpoint when the last connection
# closes). Connections are kept instead, one per worker thread that reads or writes trackers.
SQLITE_POOL_SIZE = 8

T = TypeVar("T")


async def _with_retry(what: str, attempt: Callable[[], Awaitable[T]]) -> T:
    """Runs ``attempt`` again after a connection error (never after a refused statement). The waits are
    blocking on purpose: these run in the tracker store's worker threads (nonblocking.offload_tracker_store)."""
    for delay in (*RETRY_DELAYS_SECONDS, None):
        try:
            return await attempt()
        except (OperationalError, InterfaceError) as error:
            if delay is None:
                raise
            logger.warning("tracker store %s lost its database connection (%s); retrying in %.1f s",
                           what, type(error.orig).__name__ if error.orig else error, delay)
            time.sleep(delay)
    raise AssertionError("unreachable")


def _is_sqlite_file(url: Any) -> bool:
    url = sqlalchemy.engine.make_url(url)
    return url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:")


def _engine_kwargs(original: Callable[[Any], Dict[Text, Any]]) -> Callable[[Any], Dict[Text, Any]]:
    def create_engine_kwargs(url: Any) -> Dict[Text, Any]:
        if not _is_sqlite_file(url):  # a server's connections can be dropped under us: test them first
            return {**original(url), "pool_pre_ping": True}
        # A local file: nothing drops its connections, so no ping per checkout (7 % of busy time under load).
        # Each connection is used by one thread at a time (the pool hands it out), so SQLite's same-thread
        # check only gets in the way; writers queue on SQLite's own lock (5 s timeout).
        return {**original(url), "poolclass": sqlalchemy.pool.QueuePool, "pool_size": SQLITE_POOL_SIZE,
                "max_overflow": SQLITE_POOL_SIZE, "connect_args": {"check_same_thread": False}}

    return create_engine_kwargs


def _insert(store: SQLTrackerStore) -> Any:
    """The events table's INSERT, built once per store (it was built, and its cache key made, on every save)."""
    statement = store.__dict__.get("_heard_insert")
    if statement is None:
        statement = store.__dict__["_heard_insert"] = store.SQLEvent.__table__.insert()
    return statement


def _store_new_events(store: SQLTrackerStore, tracker: DialogueStateTracker) -> None:
    with store.session_scope() as session:
        already = getattr(tracker, STORED_MARK, None)
        if already is None:  # Rasa's rule for a tracker this store did not read
            already = store._event_query(session, tracker.sender_id, fetch_events_from_all_sessions=False).count()
        rows = []
        for event in itertools.islice(tracker.events, already, len(tracker.events)):
            data = event.as_dict()
            rows.append({  # the row exactly as Rasa 3.6 writes it
                "sender_id": tracker.sender_id,
                "type_name": event.type_name,
                "timestamp": data.get("timestamp"),
                "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
                "action_name": data.get("name"),
                "data": json.dumps(data),
            })
        if rows:
            # One INSERT for all of a turn's events (executemany): Rasa's ORM adds them one by one, which
            # was a tenth of Rasa's busy time under load (bench/load.py, py-spy).
            session.execute(_insert(store), rows)
        session.commit()
    setattr(tracker, STORED_MARK, len(tracker.events))


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    for pragma in SQLITE_PRAGMAS:
        cursor.execute(pragma)
    cursor.close()


def _with_fast_sqlite(original_init: Callable[..., None]) -> Callable[..., None]:
    def __init__(self: SQLTrackerStore, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        if self.engine.dialect.name == "sqlite":
            sqlalchemy.event.listen(self.engine, "connect", _sqlite_pragmas)
            self.engine.dispose()  # connections opened while creating the tables get the pragmas too

    return __init__


def install() -> bool:
    """Replaces SQLTrackerStore's save and read with the ones above (the read's statement prebuilt,
    rasa_addons/tracker_reads.py); False when already installed."""
    if getattr(SQLTrackerStore.save, _INSTALLED_MARK, False):
        return False
    rasa_tracker_store.create_engine_kwargs = _engine_kwargs(rasa_tracker_store.create_engine_kwargs)
    SQLTrackerStore.__init__ = _with_fast_sqlite(SQLTrackerStore.__init__)  # type: ignore[method-assign]

    async def save(self: SQLTrackerStore, tracker: DialogueStateTracker) -> None:
        await self.stream_events(tracker)

        async def attempt() -> None:
            _store_new_events(self, tracker)

        await _with_retry("write", attempt)
        logger.debug("Tracker with sender_id '%s' stored to database", tracker.sender_id)

    async def _retrieve(self: SQLTrackerStore, sender_id: Text,
                        fetch_events_from_all_sessions: bool) -> Optional[DialogueStateTracker]:
        tracker = await _with_retry("read", lambda: tracker_reads.retrieve(self, sender_id, fetch_events_from_all_sessions))
        if tracker is not None and not fetch_events_from_all_sessions:
            # The same session's events that save() counts, so the mark and the store agree.
            setattr(tracker, STORED_MARK, len(tracker.events))
        return tracker

    async def fail_loudly_save(self: FailSafeTrackerStore, tracker: DialogueStateTracker) -> None:
        await self._tracker_store.save(tracker)

    async def fail_loudly_retrieve(self: FailSafeTrackerStore, sender_id: Text) -> Optional[DialogueStateTracker]:
        return await self._tracker_store.retrieve(sender_id)

    async def fail_loudly_retrieve_full(self: FailSafeTrackerStore,
                                        sender_id: Text) -> Optional[DialogueStateTracker]:
        return await self._tracker_store.retrieve_full_tracker(sender_id)

    setattr(save, _INSTALLED_MARK, True)
    SQLTrackerStore.save = save  # type: ignore[method-assign]
    SQLTrackerStore._retrieve = _retrieve  # type: ignore[method-assign]
    FailSafeTrackerStore.save = fail_loudly_save  # type: ignore[method-assign]
    FailSafeTrackerStore.retrieve = fail_loudly_retrieve  # type: ignore[method-assign]
    FailSafeTrackerStore.retrieve_full_tracker = fail_loudly_retrieve_full  # type: ignore[method-assign]
    logger.info("SQL tracker store writes every event a turn added; lost connections are retried")
    return True
