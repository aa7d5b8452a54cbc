"""Two Rasa replicas never lose a customer message (rasa_addons/tracker_writes.py, rasa_addons/lock_lease.py).

Each scenario runs in Rasa's runtime (tests/rasa/durable_turns_probe.py) on the real stores — SQLite and the
machine's PostgreSQL for the tracker, its Redis for the lock — once as Rasa 3.6 ships ("unpatched", which
shows the fault bench/faults.py met) and once as ``python -m rasa_addons.serve`` runs it. Importing Rasa is
the slow part, so each mode runs all its scenarios in one process.
"""
from __future__ import annotations

import json
import os
import subprocess
import uuid

import psycopg
import pytest

from tests.conftest import ROOT

RASA_PY = ROOT / ".venv-rasa" / "bin" / "python"
PROBE = ROOT / "tests" / "rasa" / "durable_turns_probe.py"
ADMIN_URL = os.getenv("HEARD_TEST_POSTGRES_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
WRITE_FAILURES = [  # failures, kind, commits, error, stored texts
    (1, "dropped", 2, None, ["hello"]),            # a dropped connection: retried at once on a fresh one
    (1, "refused", 2, None, ["hello"]),            # the database briefly unreachable (a restart)
    (5, "dropped", 6, None, ["hello"]),            # the last retry still stores the turn
    (6, "dropped", 6, "OperationalError", []),     # the retry cap (6 attempts): the turn fails, loudly
    (1, "integrity", 1, "IntegrityError", []),     # a statement the database refused is not retried
]
HOLDS = [0.5, 2.5]  # a turn shorter and longer than the 1 s lease


def probe(mode: str, scenarios: list[list[object]]) -> dict:
    argv = [str(RASA_PY), str(PROBE), mode]
    for number, scenario in enumerate(scenarios):
        argv += (["+"] if number else []) + [str(word) for word in scenario]
    result = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=300,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def _database() -> str:
    name = f"heard_probe_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    return name


def _drop(name: str) -> None:
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _run_mode(mode: str, tmp_path_factory) -> dict:
    directory = tmp_path_factory.mktemp(mode)
    databases = [_database(), _database()]
    url = [f"postgresql://postgres@127.0.0.1:5432/{name}" for name in databases]
    scenarios: dict[str, list[object]] = {
        "schedule": ["schedule"],
        "two_writers_sqlite": ["two-writers", f"sqlite:{directory}/two.db"],
        "sqlite_journal": ["sqlite-journal", f"{directory}/journal.db"],
        "two_writers_postgresql": ["two-writers", url[0]],
        "dropped_connection": ["dropped-connection", url[1], ADMIN_URL],
        "database_away": ["database-away", directory],
        **{f"overlapping_{hold}": ["overlapping-turns", 1.0, hold] for hold in HOLDS},
        "concurrent": ["concurrent-tickets", 20],
    }
    if mode == "patched":  # Rasa alone waits forever here: the waiting ticket lapses with the dead one
        scenarios["dead_holder"] = ["dead-holder", 1.0]
    for number, (failures, kind, *_) in enumerate(WRITE_FAILURES):
        writes = directory / f"writes-{number}"
        writes.mkdir()
        scenarios[f"failing_writes_{number}"] = ["failing-writes", writes, failures, kind]
    try:
        output = probe(mode, list(scenarios.values()))
    finally:
        for name in databases:
            _drop(name)
    return {"installed": output["installed"], **dict(zip(scenarios, output["results"]))}


@pytest.fixture(scope="module")
def unpatched(tmp_path_factory) -> dict:
    return _run_mode("unpatched", tmp_path_factory)


@pytest.fixture(scope="module")
def patched(tmp_path_factory) -> dict:
    return _run_mode("patched", tmp_path_factory)


def test_installing_twice_is_a_no_op(patched):
    assert patched["installed"] == [True, False, True, False]


# --- the tracker store: every event a turn added is written ---

def test_rasa_alone_drops_the_second_writers_customer_message(unpatched):
    assert "and my car was stolen" not in unpatched["two_writers_sqlite"]["texts"]  # acknowledged, not stored
    assert "and my car was stolen" not in unpatched["two_writers_postgresql"]["texts"]


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_two_writers_on_one_conversation_both_keep_their_messages(patched, database):
    stored = patched[f"two_writers_{database}"]
    assert stored["texts"] == ["hello", "my policy number is 123", "and my car was stolen", "thanks"]
    assert stored["events"] == 1 + 4 * 4  # nothing stored twice either


def test_the_embedded_sqlite_store_writes_ahead_and_syncs_at_checkpoints(patched, unpatched):
    # SQLite's synchronous: 1 = NORMAL, 2 = FULL (its default). A committed turn survives kill -9 in WAL mode.
    assert (patched["sqlite_journal"]["journal_mode"], patched["sqlite_journal"]["synchronous"]) == ("wal", 1)
    assert (unpatched["sqlite_journal"]["journal_mode"], unpatched["sqlite_journal"]["synchronous"]) == ("delete", 2)
    texts = ["hello", "my policy number is 123", "thanks"]
    assert patched["sqlite_journal"]["texts"] == unpatched["sqlite_journal"]["texts"] == texts


def test_the_embedded_sqlite_store_keeps_its_connection(patched, unpatched):
    # Rasa alone (SQLAlchemy 1.4's NullPool for a file) connects for each of the 7 reads and writes; kept
    # connections open one, whose pragmas stay set.
    assert unpatched["sqlite_journal"]["connections_opened"] == 7
    assert patched["sqlite_journal"]["connections_opened"] == 1
    # Ten at once: the pool keeps 8 (tracker_writes.SQLITE_POOL_SIZE, the tracker store's worker threads).
    assert patched["sqlite_journal"]["kept_after_burst"] == 8
    assert unpatched["sqlite_journal"]["kept_after_burst"] == 0


def test_rasa_alone_fails_the_write_after_postgresql_dropped_its_connections(unpatched):
    stored = unpatched["dropped_connection"]
    assert stored["cut"] >= 1 and stored["error"] == "OperationalError"
    assert stored["texts"] == ["hello"]


def test_a_write_after_postgresql_dropped_its_connections_is_stored(patched):
    stored = patched["dropped_connection"]
    assert stored["cut"] >= 1 and stored["error"] is None
    assert stored["texts"] == ["hello", "my car was stolen"]


@pytest.mark.parametrize("case", range(len(WRITE_FAILURES)), ids=[f"{f}x{k}" for f, k, *_ in WRITE_FAILURES])
def test_a_write_that_lost_its_connection_is_retried_up_to_the_cap(patched, case):
    _, _, commits, error, texts = WRITE_FAILURES[case]
    stored = patched[f"failing_writes_{case}"]
    assert (stored["commits"], stored["error"], stored["texts"]) == (commits, error, texts)


def test_the_retries_wait_at_once_then_half_a_second_doubling_for_7_5_s_in_all(patched):
    assert patched["schedule"]["delays"] == [0.0, 0.5, 1.0, 2.0, 4.0]


def test_rasa_alone_answers_a_failed_read_with_an_empty_conversation_and_keeps_a_failed_write_in_memory(unpatched):
    away = unpatched["database_away"]
    assert away["retrieve"] == {"returned": "None"}  # Rasa then starts the conversation over
    assert away["save"] == {"returned": "None"} and away["kept_in_memory"] is True  # this replica only


def test_with_the_database_away_a_turn_fails_loudly_instead(patched):
    away = patched["database_away"]
    assert away["retrieve"] == {"raised": "OperationalError"}
    assert away["save"] == {"raised": "OperationalError"} and away["kept_in_memory"] is False


# --- the conversation lock: a lease held while the turn runs ---

def test_rasa_alone_serves_the_next_message_beside_a_turn_that_outlived_its_ticket(unpatched):
    assert unpatched["overlapping_2.5"]["overlap"] is True


@pytest.mark.parametrize("hold", HOLDS)
def test_the_next_message_waits_for_the_turn_however_long_it_runs(patched, hold):
    spans = patched[f"overlapping_{hold}"]
    assert spans["overlap"] is False and spans["b"][0] >= spans["a"][1]
    assert spans["lock_left"] is False  # the last one out removes the lock


def test_the_lease_is_renewed_three_times_per_lifetime(patched):
    assert patched["schedule"]["renewals"] == 3


def test_a_killed_replicas_ticket_blocks_its_conversation_for_one_lease_only(patched):
    assert 0.95 <= patched["dead_holder"]["waited"] < 2.0


def test_tickets_issued_at_once_by_many_replicas_are_all_distinct_and_all_kept(unpatched, patched):
    assert len(set(unpatched["concurrent"]["issued"])) < 20  # Rasa's read-change-write hands out one number twice
    assert patched["concurrent"]["issued"] == list(range(20)) and patched["concurrent"]["in_lock"] == list(range(20))
    assert patched["concurrent"]["left_after_cleanup"] is False


def test_the_served_rasa_installs_both_before_it_starts():
    serve = (ROOT / "rasa_addons" / "serve.py").read_text()
    assert serve.index("tracker_writes.install()") < serve.index("nonblocking.offload_tracker_store(")
    assert "lock_lease.install()" in serve
