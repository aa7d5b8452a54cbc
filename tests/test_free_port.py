"""tests/conftest.py free_port: test servers never take a port an outgoing connection may be given meanwhile."""
from __future__ import annotations

import socket

from tests import conftest
from tests.conftest import free_port


def test_ports_are_below_the_outgoing_range_and_free():
    low, _ = conftest._outgoing_port_range()
    ports = [free_port() for _ in range(50)]
    assert all(1024 <= port < low for port in ports)
    assert len(set(ports)) == 50  # handed out in turn, not the same one again
    for port in ports[:5]:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", port))


def test_a_taken_port_is_passed_over(monkeypatch):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        monkeypatch.setattr(conftest, "_PORTS", iter([busy, busy, 23456]))
        assert free_port() == 23456


def test_parallel_workers_take_disjoint_shares(monkeypatch):
    def share(worker: str) -> set[int]:
        monkeypatch.setenv("PYTEST_XDIST_WORKER", worker)
        monkeypatch.setenv("PYTEST_XDIST_WORKER_COUNT", "2")
        ports = conftest._listening_ports()
        return {next(ports) for _ in range(200)}

    first, second = share("gw0"), share("gw1")
    assert len(first) == len(second) == 200 and not first & second
    assert {port % 2 for port in first} != {port % 2 for port in second}
