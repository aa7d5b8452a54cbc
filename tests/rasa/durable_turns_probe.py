"""Run by tests/rasa/test_durable_turns.py in Rasa's runtime: do two replicas ever lose or interleave a turn?

    .venv-rasa/bin/python tests/rasa/durable_turns_probe.py {patched|unpatched} SCENARIO [ARG…] [+ SCENARIO …]

"unpatched" is Rasa 3.6 as shipped, so each scenario shows the fault it reproduces as well as the fix.
"""
from __future__ import annotations

import asyncio
import json
import sys
import threading
import time
import uuid

import sqlalchemy
from rasa.core.lock_store import RedisLockStore
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from rasa_addons import lock_lease, nonblocking, tracker_writes

ORIGINAL_DELAYS = tracker_writes.RETRY_DELAYS_SECONDS  # scenarios shorten the waits; "schedule" reports these


def user_texts(tracker: DialogueStateTracker | None) -> list[str]:
    return [e.text for e in tracker.events if isinstance(e, UserUttered)] if tracker else []


def turn(tracker: DialogueStateTracker, text: str) -> None:
    tracker.update(UserUttered(text, {"name": "inform", "confidence": 1.0}))
    tracker.update(ActionExecuted("utter_ok"))
    tracker.update(BotUttered(f"ok: {text}"))
    tracker.update(ActionExecuted("action_listen"))


def sql_store(url: str) -> SQLTrackerStore:
    if url.startswith("sqlite:"):
        return SQLTrackerStore(Domain.empty(), dialect="sqlite", db=url.removeprefix("sqlite:"))
    user_host, db = url.removeprefix("postgresql://").rsplit("/", 1)
    user, host_port = user_host.split("@")
    host, port = host_port.split(":")
    return SQLTrackerStore(Domain.empty(), dialect="postgresql", host=host, port=int(port), db=db, username=user)


async def two_writers(url: str) -> dict:
    """Two replicas read one conversation, each runs a turn, both save (a lock that let them overlap)."""
    store_a, store_b = sql_store(url), sql_store(url)  # two replicas: two engines on one database
    sender = f"race-{uuid.uuid4().hex[:8]}"
    first = DialogueStateTracker.from_events(sender, [ActionExecuted("action_listen")])
    turn(first, "hello")
    await store_a.save(first)
    on_a, on_b = await store_a.retrieve(sender), await store_b.retrieve(sender)
    turn(on_a, "my policy number is 123")
    turn(on_b, "and my car was stolen")  # the customer's next message, served beside the stalled turn
    await store_a.save(on_a)
    await store_b.save(on_b)
    turn(on_b, "thanks")  # the replica's next turn on the same tracker object
    await store_b.save(on_b)
    stored = await sql_store(url).retrieve(sender)
    return {"texts": user_texts(stored), "events": len(stored.events)}


async def dropped_connection(url: str, admin_url: str) -> dict:
    """PostgreSQL drops every connection between a turn's read and its write (restart, failover)."""
    import psycopg2

    store = sql_store(url)
    sender = f"cut-{uuid.uuid4().hex[:8]}"
    first = DialogueStateTracker.from_events(sender, [ActionExecuted("action_listen")])
    turn(first, "hello")
    await store.save(first)
    tracker = await store.retrieve(sender)
    turn(tracker, "my car was stolen")
    admin = psycopg2.connect(admin_url)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = %s "
                       "AND pid <> pg_backend_pid()", (url.rsplit("/", 1)[1],))
        cut = cursor.fetchone()[0]
    admin.close()
    error = None
    try:
        await store.save(tracker)
    except Exception as failure:  # what the REST channel logs before answering 200 with the replies
        error = type(failure).__name__
    stored = await sql_store(url).retrieve(sender)
    return {"cut": cut, "error": error, "texts": user_texts(stored)}


def database_error(kind: str) -> Exception:
    from sqlalchemy.exc import IntegrityError, OperationalError

    if kind == "integrity":  # the database refused the statement: retrying cannot help
        return IntegrityError("INSERT", {}, Exception("duplicate key value violates unique constraint"))
    return OperationalError("COMMIT", {}, Exception("server closed the connection unexpectedly"),
                            connection_invalidated=kind == "dropped")  # "refused": could not connect


async def failing_writes(directory: str, failures: int, kind: str) -> dict:
    """The first ``failures`` commits fail with a database error of ``kind``."""
    tracker_writes.RETRY_DELAYS_SECONDS = tuple(delay / 100 for delay in ORIGINAL_DELAYS)

    store = sql_store(f"sqlite:{directory}/writes.db")
    calls = {"commits": 0}
    opened = store.session_scope

    class Failing:
        def __init__(self, session):
            self.session = session

        def __getattr__(self, name):
            return getattr(self.session, name)

        def commit(self):
            calls["commits"] += 1
            if calls["commits"] <= failures:
                raise database_error(kind)
            self.session.commit()

    def failing_scope():
        import contextlib

        @contextlib.contextmanager
        def scope():
            with opened() as session:
                yield Failing(session)
        return scope()

    store.session_scope = failing_scope
    tracker = DialogueStateTracker.from_events("writes", [ActionExecuted("action_listen")])
    turn(tracker, "hello")
    error = None
    try:
        await store.save(tracker)
    except Exception as failure:
        error = type(failure).__name__
    store.session_scope = opened
    return {"commits": calls["commits"], "error": error, "texts": user_texts(await store.retrieve("writes"))}


async def database_away(directory: str) -> dict:
    """Rasa's FailSafeTrackerStore in front of a tracker store whose database cannot be reached."""
    from rasa.core.tracker_store import FailSafeTrackerStore

    tracker_writes.RETRY_DELAYS_SECONDS = (0.0,)
    primary = sql_store(f"sqlite:{directory}/away.db")

    def unreachable():
        raise database_error("refused")

    primary.session_scope = unreachable
    store = FailSafeTrackerStore(primary)
    outcome = {}
    for name, call in (("retrieve", lambda: store.retrieve("away")),
                       ("save", lambda: store.save(DialogueStateTracker.from_events("away", [UserUttered("hi")])))):
        try:
            outcome[name] = {"returned": repr(await call())}
        except Exception as error:
            outcome[name] = {"raised": type(error).__name__}
    outcome["kept_in_memory"] = store._fallback_tracker_store is not None and bool(
        await store._fallback_tracker_store.retrieve("away"))
    return outcome


def schedule() -> dict:
    return {"delays": list(ORIGINAL_DELAYS), "renewals": lock_lease.RENEWALS_PER_LIFETIME}


def redis_store(prefix: str) -> RedisLockStore:
    return RedisLockStore(host="127.0.0.1", port=6379, db=0, key_prefix=prefix)


async def overlapping_turns(lifetime: float, hold: float) -> dict:
    """Replica A's turn runs longer than a ticket's lifetime; the customer's next message reaches replica B."""
    prefix = f"probe{uuid.uuid4().hex[:8]}"
    replica_a, replica_b = redis_store(prefix), redis_store(prefix)
    spans: dict[str, list[float]] = {}
    started = time.monotonic()

    async def serve(name: str, store: RedisLockStore, delay: float, seconds: float) -> None:
        await asyncio.sleep(delay)
        async with store.lock("conversation", lifetime, wait_time_in_seconds=0.05):
            spans[name] = [time.monotonic() - started]
            await asyncio.sleep(seconds)
            spans[name].append(time.monotonic() - started)

    await asyncio.gather(serve("a", replica_a, 0, hold), serve("b", replica_b, 0.1, 0.1))
    left = replica_a.red.exists(replica_a.key_prefix + "conversation")
    return {"a": spans["a"], "b": spans["b"], "overlap": spans["b"][0] < spans["a"][1], "lock_left": bool(left)}


async def dead_holder(lifetime: float) -> dict:
    """A replica was killed holding a ticket (never renewed, never cleaned up): how long do others wait?"""
    prefix = f"probe{uuid.uuid4().hex[:8]}"
    killed, survivor = redis_store(prefix), redis_store(prefix)
    killed.issue_ticket("conversation", lifetime)
    started = time.monotonic()
    async with survivor.lock("conversation", lifetime, wait_time_in_seconds=0.05):
        waited = time.monotonic() - started
    return {"waited": waited}


def concurrent_tickets(count: int) -> dict:
    """``count`` replicas issue a ticket for one conversation at the same moment."""
    prefix = f"probe{uuid.uuid4().hex[:8]}"
    stores = [redis_store(prefix) for _ in range(count)]
    barrier, issued = threading.Barrier(count), []

    def issue(store: RedisLockStore) -> None:
        barrier.wait()
        issued.append(store.issue_ticket("conversation", 30))

    threads = [threading.Thread(target=issue, args=(store,)) for store in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    lock = stores[0].get_lock("conversation")
    in_lock = sorted(ticket.number for ticket in lock.tickets) if lock else []
    for number in issued:
        stores[0].cleanup("conversation", number)
    return {"issued": sorted(issued), "in_lock": in_lock,
            "left_after_cleanup": bool(stores[0].red.exists(stores[0].key_prefix + "conversation"))}


async def sqlite_journal(path: str) -> dict:
    """The journal and sync settings every connection of an SQLite tracker store works with, after a save."""
    store = sql_store(f"sqlite:{path}")
    opened = []
    sqlalchemy.event.listen(store.engine, "connect", lambda *_: opened.append(1))
    tracker = DialogueStateTracker.from_events("journal", [ActionExecuted("action_listen")])
    turn(tracker, "hello")
    await store.save(tracker)
    with store.engine.connect() as connection:
        journal = connection.exec_driver_sql("PRAGMA journal_mode").scalar()
        synchronous = connection.exec_driver_sql("PRAGMA synchronous").scalar()
    for text in ("my policy number is 123", "thanks"):  # more turns: read, then write
        tracker = await store.retrieve("journal")
        turn(tracker, text)
        await store.save(tracker)
    texts = user_texts(await store.retrieve("journal"))
    opened_by_turns = len(opened)
    burst = [store.engine.connect() for _ in range(10)]  # more at once than the pool keeps
    for connection in burst:
        connection.close()
    kept = store.engine.pool.checkedin() if hasattr(store.engine.pool, "checkedin") else 0
    return {"journal_mode": journal, "synchronous": synchronous, "texts": texts,
            "connections_opened": opened_by_turns, "kept_after_burst": kept}


def run(scenario: str, args: list[str]) -> dict:
    if scenario == "sqlite-journal":
        return asyncio.run(sqlite_journal(args[0]))
    if scenario == "two-writers":
        return asyncio.run(two_writers(args[0]))
    if scenario == "dropped-connection":
        return asyncio.run(dropped_connection(args[0], args[1]))
    if scenario == "failing-writes":
        return asyncio.run(failing_writes(args[0], int(args[1]), args[2]))
    if scenario == "database-away":
        return asyncio.run(database_away(args[0]))
    if scenario == "schedule":
        return schedule()
    if scenario == "overlapping-turns":
        return asyncio.run(overlapping_turns(float(args[0]), float(args[1])))
    if scenario == "dead-holder":
        return asyncio.run(dead_holder(float(args[0])))
    if scenario == "concurrent-tickets":
        return concurrent_tickets(int(args[0]))
    raise SystemExit(f"unknown scenario {scenario}")


def main() -> None:
    """``MODE SCENARIO ARG… [+ SCENARIO ARG…]…``: one Rasa import for many scenarios (it is the slow part)."""
    mode, *rest = sys.argv[1:]
    installed = []
    if mode == "patched":
        installed = [tracker_writes.install(), tracker_writes.install(), lock_lease.install(), lock_lease.install()]
        nonblocking.offload_tracker_store(2)  # as the served Rasa runs them: in worker threads
    groups, current = [], []
    for word in rest:
        if word == "+":
            groups.append(current)
            current = []
        else:
            current.append(word)
    groups.append(current)
    print(json.dumps({"installed": installed, "results": [run(group[0], group[1:]) for group in groups]}))


if __name__ == "__main__":
    main()
