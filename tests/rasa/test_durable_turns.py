"""Two Rasa replicas never lose a customer message (rasa_addons/tracker_writes.py, rasa_addons/lock_lease.py).

Each scenario runs in Rasa's runtime (tests/rasa/durable_turns_probe.py) on the real stores — SQLite and the
machine's PostgreSQL for the tracker, its Redis for the lock — once as Rasa 3.6 ships ("unpatched", which
shows the fault bench/faults.py met) and once as ``python -m rasa_addons.serve`` runs it.
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


def probe(scenario: str, mode: str, *args: object) -> dict:
    result = subprocess.run([str(RASA_PY), str(PROBE), scenario, mode, *map(str, args)], cwd=ROOT, capture_output=True,
                            text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture
def postgres_url():
    name = f"heard_probe_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- the tracker store: every event a turn added is written ---

def test_rasa_alone_drops_the_second_writers_customer_message(tmp_path):
    stored = probe("two-writers", "unpatched", f"sqlite:{tmp_path}/t.db")
    assert "and my car was stolen" not in stored["texts"]  # the fault: acknowledged, then not in the tracker


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_two_writers_on_one_conversation_both_keep_their_messages(tmp_path, postgres_url, database):
    url = f"sqlite:{tmp_path}/t.db" if database == "sqlite" else postgres_url
    stored = probe("two-writers", "patched", url)
    assert stored["installed"] == [True, False, True, False]
    assert stored["texts"] == ["hello", "my policy number is 123", "and my car was stolen", "thanks"]
    assert stored["events"] == 1 + 4 * 4  # nothing stored twice either


def test_rasa_alone_fails_the_write_after_postgresql_dropped_its_connections(postgres_url):
    stored = probe("dropped-connection", "unpatched", postgres_url, ADMIN_URL)
    assert stored["cut"] >= 1 and stored["error"] == "OperationalError"
    assert stored["texts"] == ["hello"]


def test_a_write_after_postgresql_dropped_its_connections_is_stored(postgres_url):
    stored = probe("dropped-connection", "patched", postgres_url, ADMIN_URL)
    assert stored["cut"] >= 1 and stored["error"] is None
    assert stored["texts"] == ["hello", "my car was stolen"]


@pytest.mark.parametrize("failures, kind, commits, error, texts", [
    (1, "dropped", 2, None, ["hello"]),            # a dropped connection: retried at once on a fresh one
    (1, "refused", 2, None, ["hello"]),            # the database briefly unreachable (a restart)
    (5, "dropped", 6, None, ["hello"]),            # the last retry still stores the turn
    (6, "dropped", 6, "OperationalError", []),     # the retry cap (6 attempts): the turn fails, loudly
    (1, "integrity", 1, "IntegrityError", []),     # a statement the database refused is not retried
])
def test_a_write_that_lost_its_connection_is_retried_up_to_the_cap(tmp_path, failures, kind, commits, error, texts):
    stored = probe("failing-writes", "patched", tmp_path, failures, kind)
    assert (stored["commits"], stored["error"], stored["texts"]) == (commits, error, texts)


def test_the_retries_wait_at_once_then_half_a_second_doubling_for_7_5_s_in_all():
    assert probe("schedule", "patched")["delays"] == [0.0, 0.5, 1.0, 2.0, 4.0]


def test_rasa_alone_answers_a_failed_read_with_an_empty_conversation_and_keeps_a_failed_write_in_memory(tmp_path):
    away = probe("database-away", "unpatched", tmp_path)
    assert away["retrieve"] == {"returned": "None"}  # Rasa then starts the conversation over
    assert away["save"] == {"returned": "None"} and away["kept_in_memory"] is True  # this replica only


def test_with_the_database_away_a_turn_fails_loudly_instead(tmp_path):
    away = probe("database-away", "patched", tmp_path)
    assert away["retrieve"] == {"raised": "OperationalError"}
    assert away["save"] == {"raised": "OperationalError"} and away["kept_in_memory"] is False


# --- the conversation lock: a lease held while the turn runs ---

def test_rasa_alone_serves_the_next_message_beside_a_turn_that_outlived_its_ticket():
    spans = probe("overlapping-turns", "unpatched", 1.0, 2.5)
    assert spans["overlap"] is True


@pytest.mark.parametrize("hold", [0.5, 2.5])  # shorter and longer than the 1 s lease
def test_the_next_message_waits_for_the_turn_however_long_it_runs(hold):
    spans = probe("overlapping-turns", "patched", 1.0, hold)
    assert spans["overlap"] is False
    assert spans["b"][0] >= spans["a"][1]
    assert spans["lock_left"] is False  # the last one out removes the lock


def test_a_killed_replicas_ticket_blocks_its_conversation_for_one_lease_only():
    waited = probe("dead-holder", "patched", 1.0)["waited"]
    assert 0.95 <= waited < 2.0


def test_tickets_issued_at_once_by_many_replicas_are_all_distinct_and_all_kept():
    unpatched = probe("concurrent-tickets", "unpatched", 20)
    assert len(set(unpatched["issued"])) < 20  # Rasa's read-change-write hands out one number twice
    patched = probe("concurrent-tickets", "patched", 20)
    assert patched["issued"] == list(range(20)) and patched["in_lock"] == list(range(20))
    assert patched["left_after_cleanup"] is False


def test_the_served_rasa_installs_both():
    serve = (ROOT / "rasa_addons" / "serve.py").read_text()
    assert serve.index("tracker_writes.install()") < serve.index("nonblocking.offload_tracker_store(")
    assert "lock_lease.install()" in serve
