"""rasa_addons/settled_heap.py: once the model is loaded, its objects are frozen out of the collector's walks."""
from __future__ import annotations

import pytest

from tests.conftest import run_rasa_probe


@pytest.fixture(scope="module")
def probed() -> dict:
    return run_rasa_probe("settled_heap_probe.py")


def test_nothing_changes_before_the_model_is_loaded(probed):
    assert probed["before"] == {"frozen": 0, "thresholds": [700, 10, 10]}  # Python's own


def test_after_the_load_the_heap_is_frozen_and_collected_less_often(probed):
    assert probed["installed"] == [True, False]
    assert probed["agent"] == "agent"  # Rasa's load still returns its agent
    assert probed["frozen"] >= 5000  # at least the stand-in model's objects
    assert probed["thresholds"] == [20000, 20, 20]
