"""rasa_addons/tracker_reads.py: a conversation read by one prebuilt statement is the one Rasa's ORM query reads."""
from __future__ import annotations

import os
import uuid

import psycopg
import pytest

from tests.conftest import run_rasa_probe

ADMIN_URL = os.getenv("HEARD_TEST_POSTGRES_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


@pytest.fixture(scope="module")
def probed(tmp_path_factory) -> dict:
    name = f"heard_probe_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        server = ADMIN_URL.rsplit("/", 1)[0]
        return run_rasa_probe("tracker_reads_probe.py", str(tmp_path_factory.mktemp("reads") / "tracker.db"),
                              f"{server}/{name}", "16", timeout=300)
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_every_read_is_rasas(probed, database):
    record = probed[database]
    assert record["reads"] == 2 * (8 + 12 * 16)
    assert record["events"] > 5000
    assert record["differ"] == 0


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_the_comparison_covers_new_sessions_and_unknown_senders(probed, database):
    record = probed[database]
    assert record["latest_shorter"] > 20  # conversations whose latest session leaves earlier events out
    assert record["none"] == 2  # "nobody", for both kinds of read
    # A session started at the same moment as the event before it: Rasa's ">=" keeps that event, and so do we.
    assert record["tie_latest"] == ["slot", "session_started", "action"]
    ours, rasas = record["no_domain"]
    assert ours == rasas and '"slots": {"session_started_metadata": null}' in ours


def test_installed_with_the_durable_writes(probed):
    assert probed["sqlite"]["installed"] == [True, False]
    assert probed["sqlite"]["served"] is True
