"""Shared test helpers: the repository root and the two runtimes."""
from __future__ import annotations

import json
import os
import socket
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RASA_BIN = ROOT / ".venv-rasa" / "bin" / "rasa"
RASA_PY = ROOT / ".venv-rasa" / "bin" / "python"


def run_rasa_probe(probe: str, *args: str, timeout: int = 180) -> dict:
    """Runs ``tests/rasa/<probe>`` in Rasa's runtime and returns the JSON its last line prints."""
    result = subprocess.run([str(RASA_PY), str(ROOT / "tests" / "rasa" / probe), *args], cwd=ROOT,
                            capture_output=True, text=True, timeout=timeout,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT
