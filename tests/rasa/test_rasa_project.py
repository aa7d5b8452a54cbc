"""The Rasa project itself: data validation and the test stories, run by Rasa's own tools."""
from __future__ import annotations

import os
import subprocess

import pytest

from tests.conftest import RASA_BIN, ROOT

MODEL = ROOT / "models" / "heard.tar.gz"


def _rasa(*args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([str(RASA_BIN), *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)


def test_training_data_is_valid():
    result = _rasa("data", "validate", "--fail-on-warnings")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]


def test_every_test_story_passes(tmp_path):
    assert MODEL.exists(), "models/heard.tar.gz missing: ./heard test trains it before the tests"
    result = _rasa("test", "core", "--stories", "tests/stories", "--model", str(MODEL),
                   "--fail-on-prediction-errors", "--out", str(tmp_path))
    failed = tmp_path / "failed_test_stories.yml"
    details = failed.read_text() if failed.exists() else ""
    assert result.returncode == 0, details[-6000:] or (result.stdout[-4000:] + result.stderr[-4000:])
    assert "- story:" not in details, details[-6000:]
