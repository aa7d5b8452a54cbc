"""rasa_addons/settled_heap.py: once the model is loaded, its objects are frozen out of the collector's walks."""
from __future__ import annotations

import json
import os
import subprocess

import pytest

from tests.conftest import ROOT


@pytest.fixture(scope="module")
def probed() -> dict:
    result = subprocess.run([str(ROOT / ".venv-rasa" / "bin" / "python"), str(ROOT / "tests/rasa/settled_heap_probe.py")],
                            cwd=ROOT, capture_output=True, text=True, timeout=180,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_nothing_changes_before_the_model_is_loaded(probed):
    assert probed["before"] == {"frozen": 0, "thresholds": [700, 10, 10]}  # Python's own


def test_after_the_load_the_heap_is_frozen_and_collected_less_often(probed):
    assert probed["installed"] == [True, False]
    assert probed["agent"] == "agent"  # Rasa's load still returns its agent
    assert probed["frozen"] >= 5000  # at least the stand-in model's objects
    assert probed["thresholds"] == [20000, 20, 20]
