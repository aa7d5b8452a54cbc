"""A process that dies is restarted with back-off; the others keep running; a crash loop is given up on."""
from __future__ import annotations

import json
import os
import signal
import sys
import time
from pathlib import Path

import httpx
import pytest
from hypothesis import given, strategies as st

from stack.processes import Service, Stack
from stack.supervision import (BACKOFF_BASE_SECONDS, BACKOFF_MAX_SECONDS, MAX_RESTARTS, RESTART_WINDOW_SECONDS,
                               RestartPolicy, Supervisor)
from tests.conftest import free_port
from tests.e2e.conftest import stack_settings

POLICY = RestartPolicy()


# --- the policy ---------------------------------------------------------------------------------------

def test_the_limits_are_the_documented_ones():
    assert (BACKOFF_BASE_SECONDS, BACKOFF_MAX_SECONDS, MAX_RESTARTS, RESTART_WINDOW_SECONDS) == (1.0, 30.0, 5, 600.0)


@pytest.mark.parametrize("recent, delay", [(0, 1.0), (1, 2.0), (2, 4.0), (3, 8.0), (4, 16.0), (5, 30.0), (9, 30.0)])
def test_back_off_doubles_from_one_second_up_to_thirty(recent, delay):
    assert POLICY.delay(recent) == delay


@given(st.integers(min_value=0, max_value=200))
def test_back_off_never_exceeds_its_cap_and_never_shrinks(recent):
    assert 1.0 <= POLICY.delay(recent) <= 30.0
    assert POLICY.delay(recent + 1) >= POLICY.delay(recent)


@pytest.mark.parametrize("restarts, gives_up", [(4, False), (5, True), (6, True)])
def test_gives_up_at_five_restarts_in_the_window(restarts, gives_up):
    now = 1000.0
    assert POLICY.gives_up([now - i for i in range(restarts)], now) is gives_up


@pytest.mark.parametrize("age, counted", [(599.9, True), (600.0, False), (600.1, False)])
def test_restarts_older_than_the_window_are_forgotten(age, counted):
    now = 5000.0
    assert (POLICY.recent([now - age], now) == [now - age]) is counted


# --- the supervisor over fake processes --------------------------------------------------------------------

class FakeProcess:
    def __init__(self) -> None:
        self.returncode: int | None = None

    def poll(self) -> int | None:
        return self.returncode


class FakeStack:
    def __init__(self, names: list[str]) -> None:
        self.services = [Service(name, [], "http://127.0.0.1:9/health") for name in names]
        for service in self.services:
            service.process = FakeProcess()
        self.started: list[str] = []
        self.stopped: list[str] = []
        self.log_dir = Path("log")

    def start_service(self, service: Service) -> None:
        self.started.append(service.name)
        service.process = FakeProcess()

    def stop_service(self, service: Service) -> None:
        self.stopped.append(service.name)
        service.process = None


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _kill(stack: FakeStack, name: str, code: int = -9) -> None:
    next(s for s in stack.services if s.name == name).process.returncode = code


def test_a_dead_process_is_restarted_after_its_back_off_and_the_others_are_left_alone():
    stack, clock, lines = FakeStack(["actions", "handoff", "rasa"]), Clock(), []
    supervisor = Supervisor(stack, log=lines.append, clock=clock)
    _kill(stack, "actions")
    supervisor.tick()
    assert stack.stopped == ["actions"] and stack.started == []
    assert supervisor.snapshot()["services"]["actions"]["status"] == "restarting"
    assert supervisor.snapshot()["status"] == "degraded"
    assert "actions exited with code -9; restarting in 1 s" in lines
    clock.now += 0.99
    supervisor.tick()
    assert stack.started == []
    clock.now += 0.01
    supervisor.tick()
    assert stack.started == ["actions"]
    assert supervisor.snapshot()["services"]["actions"]["restarts_in_window"] == 1
    assert {"handoff", "rasa"}.isdisjoint(stack.stopped + stack.started)


def test_each_restart_in_the_window_waits_twice_as_long_then_it_gives_up():
    stack, clock, lines = FakeStack(["actions", "rasa"]), Clock(), []
    supervisor = Supervisor(stack, log=lines.append, clock=clock)
    waits = []
    for _ in range(MAX_RESTARTS):
        _kill(stack, "actions")
        supervisor.tick()
        restart_at = supervisor.states["actions"].restart_at
        waits.append(restart_at - clock.now)
        clock.now = restart_at
        supervisor.tick()
    assert waits == [1.0, 2.0, 4.0, 8.0, 16.0]
    _kill(stack, "actions", code=1)
    supervisor.tick()
    state = supervisor.snapshot()["services"]["actions"]
    assert state["status"] == "failed" and state["last_exit_code"] == 1
    assert any("giving up" in line for line in lines)
    clock.now += 3600
    supervisor.tick()
    assert stack.started.count("actions") == MAX_RESTARTS  # a failed service is not started again
    assert supervisor.snapshot()["services"]["rasa"]["status"] == "running"


def test_a_crash_long_after_the_last_one_starts_the_back_off_again():
    stack, clock = FakeStack(["actions"]), Clock()
    supervisor = Supervisor(stack, log=lambda line: None, clock=clock)
    for _ in range(3):
        _kill(stack, "actions")
        supervisor.tick()
        clock.now = supervisor.states["actions"].restart_at
        supervisor.tick()
    clock.now += RESTART_WINDOW_SECONDS
    _kill(stack, "actions")
    supervisor.tick()
    assert supervisor.states["actions"].restart_at - clock.now == 1.0


def test_health_endpoint_says_which_service_is_down(tmp_path):
    stack, clock = FakeStack(["actions", "rasa"]), Clock()
    status_file = tmp_path / "run" / "status.json"
    supervisor = Supervisor(stack, log=lambda line: None, clock=clock, status_file=status_file)
    server = supervisor.serve_health("127.0.0.1", 0)
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/health"
        assert httpx.get(url).status_code == 200
        _kill(stack, "actions")
        supervisor.tick()
        response = httpx.get(url)
        assert response.status_code == 503
        assert response.json()["services"]["actions"] == {
            "status": "restarting", "restarts_total": 0, "restarts_in_window": 0, "last_exit_code": -9,
            "restart_in_seconds": 1.0}
        assert json.loads(status_file.read_text())["services"]["actions"]["status"] == "restarting"
        assert httpx.get(url.replace("/health", "/other")).status_code == 404
    finally:
        server.shutdown()


# --- real processes -------------------------------------------------------------------------------------

def _http_service(name: str) -> Service:
    port = free_port()
    return Service(name, [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", str(port)],
                   f"http://127.0.0.1:{port}/")


def test_kill_9_of_one_real_process_restarts_it_and_leaves_the_other_running(tmp_path):
    stack = Stack(stack_settings(tmp_path), log=lambda line: None)
    stack.services = [_http_service("first"), _http_service("second")]
    supervisor = Supervisor(stack, log=lambda line: None)
    with stack:
        second_pid = stack.service("second").process.pid
        os.killpg(stack.service("first").process.pid, signal.SIGKILL)
        deadline = time.monotonic() + 20
        while supervisor.snapshot()["services"]["first"]["restarts_total"] == 0 \
                or supervisor.snapshot()["status"] != "ok":
            supervisor.tick()
            time.sleep(0.2)
            assert time.monotonic() < deadline, supervisor.snapshot()
        assert httpx.get(stack.service("first").ready_url).status_code == 200
        assert stack.service("second").process.pid == second_pid
    assert all(service.process is None for service in stack.services)
