"""The emotion score is requested when a message arrives and collected by the NLU component (one request)."""
from __future__ import annotations

import json
import os
import subprocess

import pytest

from tests.conftest import ROOT


@pytest.fixture(scope="module")
def probed() -> dict:
    result = subprocess.run([str(ROOT / ".venv-rasa" / "bin" / "python"), str(ROOT / "tests/rasa/emotion_prefetch_probe.py")],
                            cwd=ROOT, capture_output=True, text=True, timeout=180,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_nothing_is_sent_before_a_model_is_loaded(probed):
    assert probed["without_scorer"] == 0


def test_a_prefetched_score_is_collected_without_a_second_request(probed):
    assert probed["prefetched_requests"] == [["my claim was refused"]]
    assert probed["collected"] == {"intensity": 0.2, "available": True}
    assert probed["after_collect"] == 1


def test_a_message_not_prefetched_is_scored_by_the_component(probed):
    assert probed["not_prefetched"] == {"intensity": 0.05, "available": True}
    assert probed["after_not_prefetched"] == 2


def test_uncollected_requests_are_bounded_oldest_first(probed):
    assert probed["pending"] == 256 and probed["oldest_dropped"] is True


def test_when_the_scorer_is_down_nothing_is_sent_ahead(probed):
    assert probed["down"] == {"available": False}
    assert probed["prefetch_while_paused"] == 0
