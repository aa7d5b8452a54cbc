"""`./heard up` runs the three services and Ctrl-C stops them all: no orphan, no port left taken."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest

from stack.processes import APP_VENV
from stack.settings import ROOT
from tests.conftest import free_port
from tests.e2e.conftest import stack_settings

pytestmark = pytest.mark.e2e


def _port_taken(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _children(pid: int) -> list[int]:
    result = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
    return [int(p) for p in result.stdout.split()]


def _descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        for child in _children(todo.pop()):
            found.append(child)
            todo.append(child)
    return found


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM])
def test_up_prints_where_to_talk_and_stops_cleanly(tmp_path, stop_signal):
    settings = stack_settings(tmp_path)
    env = {**os.environ, **{k: settings.env[k] for k in (
        "HEARD_VAR_DIR", "RASA_PORT", "ACTION_SERVER_PORT", "HANDOFF_PORT", "RASA_TOKEN",
        "HANDOFF_SERVICE_TOKEN", "HANDOFF_SECRET_KEY")}, "PYTHONPATH": str(ROOT),
        "HEARD_SUPERVISOR_PORT": str(free_port())}
    ports = [int(settings.env[k]) for k in ("RASA_PORT", "ACTION_SERVER_PORT", "HANDOFF_PORT")]
    process = subprocess.Popen([str(APP_VENV / "bin" / "python"), "-m", "stack", "up"], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output = []
    deadline = time.monotonic() + 240
    try:
        for line in process.stdout:
            output.append(line)
            if "Press Ctrl-C" in line or time.monotonic() > deadline:
                break
        text = "".join(output)
        assert "Heard is running" in text, text
        assert "./heard chat" in text and "/webhooks/rest/webhook" in text and "socket.io" in text
        assert all(_port_taken(port) for port in ports)
        children = _descendants(process.pid)
        assert len(children) >= 3
        process.send_signal(stop_signal)
        assert process.wait(timeout=60) == 0
    finally:
        if process.poll() is None:
            process.kill()
    assert not any(_port_taken(port) for port in ports)
    time.sleep(0.5)
    alive = [pid for pid in children if os.path.exists(f"/proc/{pid}") and
             open(f"/proc/{pid}/stat").read().split()[2] != "Z"]
    assert alive == [], f"orphans: {alive}"


def _start_up(tmp_path) -> tuple[subprocess.Popen, str]:
    settings = stack_settings(tmp_path)
    health_port = free_port()
    env = {**os.environ, **{k: settings.env[k] for k in (
        "HEARD_VAR_DIR", "RASA_PORT", "ACTION_SERVER_PORT", "HANDOFF_PORT", "RASA_TOKEN",
        "HANDOFF_SERVICE_TOKEN", "HANDOFF_SECRET_KEY")}, "PYTHONPATH": str(ROOT), "HEARD_SUPERVISOR_PORT": str(health_port)}
    process = subprocess.Popen([str(APP_VENV / "bin" / "python"), "-m", "stack", "up"], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 240
    for line in process.stdout:
        if "Press Ctrl-C" in line or time.monotonic() > deadline:
            break
    return process, f"http://127.0.0.1:{health_port}/health"


def _pid_of(parent: int, module: str) -> int:
    for pid in _descendants(parent):
        try:
            if module in open(f"/proc/{pid}/cmdline").read().replace("\0", " "):
                return pid
        except FileNotFoundError:
            continue
    raise AssertionError(f"no {module} under {parent}")


def test_a_killed_action_server_is_restarted_and_the_others_keep_running(tmp_path):
    process, health = _start_up(tmp_path)
    try:
        assert httpx.get(health).json()["status"] == "ok"
        rasa, handoff = _pid_of(process.pid, "rasa_addons.serve"), _pid_of(process.pid, "handoff_service")
        os.kill(_pid_of(process.pid, "actions.server"), signal.SIGKILL)
        deadline = time.monotonic() + 180
        seen = set()
        while True:
            state = httpx.get(health).json()["services"]["actions"]
            seen.add(state["status"])
            if state["restarts_total"] == 1 and state["status"] == "running":
                break
            assert time.monotonic() < deadline, state
            time.sleep(0.5)
        assert "restarting" in seen or "starting" in seen
        assert state["last_exit_code"] == -9
        assert process.poll() is None  # the stack did not stop
        assert _pid_of(process.pid, "rasa_addons.serve") == rasa and _pid_of(process.pid, "handoff_service") == handoff
        assert httpx.get(health).status_code == 200
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=60) == 0
    finally:
        if process.poll() is None:
            process.kill()
