"""rasa_addons/event_types.py: an event's class is found as Rasa finds it, without walking Event's subclasses each time."""
from __future__ import annotations

import json
import os
import subprocess

import pytest

from tests.conftest import ROOT

PROBE = ROOT / "tests" / "rasa" / "event_types_probe.py"


@pytest.fixture(scope="module")
def probed() -> dict:
    result = subprocess.run([str(ROOT / ".venv-rasa" / "bin" / "python"), str(PROBE)], cwd=ROOT, capture_output=True,
                            text=True, timeout=180, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_same_class_for_every_type_name_and_same_answers_for_unknown_ones(probed):
    assert probed["ours"] == probed["rasa"]
    assert probed["rasa"]["user"] == "UserUttered" and probed["rasa"]["topic"] == "None"
    assert probed["rasa"]["unknown with default"] == "UserUttered"
    assert probed["rasa"]["unknown"] == "Unknown event name 'no_such_event'."


def test_known_names_are_not_looked_up_again(probed):
    assert probed["installed"] == [True, False]
    assert probed["walks_for_100_events"] == 0
    assert probed["read_back"] == ["ActionExecuted", "UserUttered"]
