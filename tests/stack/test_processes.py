"""Starting the stack when a port is already taken (another Heard, or anything else)."""
from __future__ import annotations

import socket

import pytest

from stack.processes import Stack
from tests.e2e.conftest import stack_settings


@pytest.fixture
def squatter():
    """Something listening on a port, as a forgotten Heard or another program would be."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def test_a_taken_port_stops_the_start_before_anything_runs(tmp_path, squatter):
    lines: list[str] = []
    stack = Stack(stack_settings(tmp_path), log=lines.append)
    handoff = stack.service("handoff")
    handoff.ready_url = f"http://127.0.0.1:{squatter}/health"
    with pytest.raises(RuntimeError, match=rf"port already in use \(handoff 127\.0\.0\.1:{squatter}\).*already running"):
        stack.start()
    assert all(service.process is None for service in stack.services)
    assert lines == []  # nothing was started, so nothing is announced as starting or stopping
    assert stack.stop() is False


def test_free_ports_pass_the_check(tmp_path):
    stack = Stack(stack_settings(tmp_path), log=lambda line: None)
    stack.check_ports()  # stack_settings picks free ports: nothing raised
