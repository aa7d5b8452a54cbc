"""Shared test helpers: the repository root and the two runtimes."""
from __future__ import annotations

import itertools
import json
import os
import random
import socket
import subprocess
from collections.abc import Iterator
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


def run_model_probe(probe: str, *args: str, timeout: int = 300) -> dict:
    """``run_rasa_probe`` for a probe that reads the trained model (its path goes first)."""
    model = ROOT / "models" / "heard.tar.gz"
    assert model.exists(), "models/heard.tar.gz missing: ./heard test trains it before the tests"
    return run_rasa_probe(probe, str(model), *args, timeout=timeout)


def _outgoing_port_range() -> tuple[int, int]:
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999


def _listening_ports() -> Iterator[int]:
    # A port from the kernel's outgoing range can be taken by any connection (a health probe, a database client)
    # between the test choosing it and a server binding it seconds later: CI once failed so. Test servers take
    # theirs from below that range, starting at a random place so two runs on one machine rarely meet.
    low = min(_outgoing_port_range()[0], 32768)
    candidates = list(range(max(1024, low - 12000), low))
    # Parallel workers (pytest-xdist) take disjoint shares, so two never hand out the same port.
    worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0")[2:] or 0)
    candidates = candidates[worker::max(1, int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")))]
    start = random.randrange(len(candidates))
    return itertools.cycle(candidates[start:] + candidates[:start])


_PORTS = _listening_ports()


def free_port() -> int:
    """A port nothing listens on now and no outgoing connection will be given."""
    for _ in range(1000):
        port = next(_PORTS)
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port below the outgoing range")


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # ./heard test runs two pytest-xdist workers with --dist loadgroup: a file stays on one worker, so its module
    # fixtures (a production profile, a Rasa probe) start once, and every end-to-end test shares one worker, so the
    # session's stack starts once.
    for item in items:
        end_to_end = item.get_closest_marker("e2e") is not None or item.nodeid.startswith("tests/e2e/")
        item.add_marker(pytest.mark.xdist_group("e2e" if end_to_end else item.nodeid.split("::")[0]))
