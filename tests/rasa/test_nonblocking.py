"""Rasa's NLU graph runs off the event loop under ``python -m rasa_addons.serve`` (rasa_addons/nonblocking.py)."""
from __future__ import annotations

import json
import os
import subprocess

import pytest

from tests.conftest import ROOT

RASA_PY = ROOT / ".venv-rasa" / "bin" / "python"
PROBE = ROOT / "tests" / "rasa" / "nonblocking_probe.py"


def probe(mode: str, *args: str) -> dict:
    result = subprocess.run([str(RASA_PY), str(PROBE), mode, *args], cwd=ROOT, capture_output=True, text=True, timeout=120,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def patched() -> dict:
    return probe("patched")


def test_rasa_alone_blocks_its_loop_while_a_message_is_parsed():
    unpatched = probe("unpatched")
    assert unpatched["graph_ran_on_loop_thread"] is True
    assert unpatched["released"] is False  # the coroutine that would release the parse never ran in time


def test_with_the_patch_other_coroutines_run_while_a_message_is_parsed(patched):
    assert patched["graph_ran_on_loop_thread"] is False
    assert patched["released"] is True


def test_the_patch_keeps_rasas_parse_result_and_checks(patched):
    assert patched["parse"] == {"text": "hello there", "intent": {"name": "greet", "confidence": 0.9},
                                "entities": []}
    assert patched["checked"] == "hello there"
    assert patched["tracker_sender"] == "probe"  # a tracker is made when the caller gives none


def test_installing_twice_is_a_no_op(patched):
    assert patched["installed"] == [True, False]


def test_zero_threads_is_refused_with_the_variable_named():
    assert "NLU_PARSE_THREADS must be at least 1" in probe("invalid")["error"]


def test_the_stack_starts_rasa_through_the_patch(tmp_path):
    from stack.processes import services
    from tests.e2e.conftest import stack_settings

    rasa = next(s for s in services(stack_settings(tmp_path)) if s.name == "rasa")
    assert rasa.argv[1:4] == ["-m", "rasa_addons.serve", "run"]
    assert rasa.argv[0].endswith(".venv-rasa/bin/python")


def test_the_sql_tracker_store_reads_and_writes_off_the_loop_and_keeps_every_event(tmp_path):
    stored = probe("tracker-store", str(tmp_path))
    assert stored["installed"] == [True, False]
    assert stored["texts"] == ["hello", "thanks"] and stored["events"] == 5
    assert stored["missing"] is True
    assert stored["store_calls"] >= 4 and stored["store_ran_on_loop_thread"] is False
