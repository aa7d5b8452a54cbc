"""Start, watch and stop the three services as one unit.

Each child runs in its own process group, so stopping the stack also stops whatever a child
started (Sanic and uvicorn workers), and no port stays taken after Ctrl-C.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Callable
from urllib.parse import urlsplit

import httpx

from stack.channels import write_active_credentials
from stack.settings import ROOT, StackSettings

RASA_VENV = ROOT / ".venv-rasa"
APP_VENV = ROOT / ".venv"
STOP_GRACE_SECONDS = 15.0


@dataclass
class Service:
    name: str
    argv: list[str]
    ready_url: str
    is_ready: Callable[[httpx.Response], bool] = lambda r: r.status_code == 200
    # Variables of this process alone (a replica's port), over the stack's environment.
    env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen | None = None
    log_file: IO[bytes] | None = None


def rasa_model_path() -> Path:
    return ROOT / "models" / "heard.tar.gz"


def rasa_argv(env: dict[str, str], host: str, port: int | str, credentials: Path) -> list[str]:
    """Rasa's command, the same on this machine and in the image (docker/rasa.Dockerfile)."""
    return [
        # Rasa's own command line, with NLU parsing moved off its event loop (rasa_addons/nonblocking.py).
        str(RASA_VENV / "bin" / "python"), "-m", "rasa_addons.serve", "run",
        "--model", str(rasa_model_path()),
        # "=" form: a generated token may start with "-", which argparse would take for an option.
        "--enable-api", f"--auth-token={env['RASA_TOKEN']}",
        "--cors", env.get("RASA_CORS", "*"),
        "--interface", host, "--port", str(port),
        "--endpoints", env["RASA_ENDPOINTS"],
        "--credentials", str(write_active_credentials(env, credentials)),
    ]


def services(settings: StackSettings) -> list[Service]:
    env = settings.env
    app_python = str(APP_VENV / "bin" / "python")
    return [
        Service("actions", [app_python, "-m", "actions.server"], f"{env['ACTION_SERVER_URL']}/health"),
        Service("handoff", [app_python, "-m", "handoff_service"], f"{env['HANDOFF_URL']}/health"),
        Service(
            "rasa",
            rasa_argv(env, env["HEARD_HOST"], env["RASA_PORT"], settings.var_dir / "credentials.yml"),
            f"{env['RASA_URL']}/status?token={env['RASA_TOKEN']}",
            # /status answers before the model is loaded; a model_id says it can talk.
            is_ready=lambda r: r.status_code == 200 and bool(r.json().get("model_id")),
        ),
    ]


class Stack:
    """The running product: ``with Stack(settings) as stack: ...`` starts it and always stops it."""

    def __init__(self, settings: StackSettings, log: Callable[[str], None] = print,
                 only: list[str] | None = None, processes: list[Service] | None = None) -> None:
        self.settings = settings
        self.log = log
        self.services = processes if processes is not None else [
            s for s in services(settings) if not only or s.name in only]
        self.log_dir = settings.var_dir / "log"

    def __enter__(self) -> "Stack":
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def check_ports(self) -> None:
        """Something else on a port would answer the readiness checks in our place, and the real service
        would die on "address in use" a moment later: refuse before starting anything."""
        taken = [(service.name, address) for service in self.services
                 if (address := _address(service.ready_url)) and _listening(*address)]
        if taken:
            listed = ", ".join(f"{name} {host}:{port}" for name, (host, port) in taken)
            raise RuntimeError(f"port already in use ({listed}): is Heard already running? Stop it, or choose "
                               "other ports in .env (RASA_PORT, ACTION_SERVER_PORT, HANDOFF_PORT)")

    def start(self, timeout: float = 240.0) -> None:
        self.check_ports()
        self.log_dir.mkdir(parents=True, exist_ok=True)
        env = {**self.settings.env, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
        for service in self.services:
            self.start_service(service, env)
        for service in self.services:
            self.wait_ready(service, timeout)

    def start_service(self, service: Service, env: dict[str, str] | None = None) -> None:
        env = {**(env or {**self.settings.env, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}), **service.env}
        log_path = self.log_dir / f"{service.name}.log"
        service.log_file = open(log_path, "ab")
        self.log(f"starting {service.name} (log: {log_path})")
        service.process = subprocess.Popen(
            service.argv, cwd=ROOT, env=env, stdout=service.log_file,
            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
        )

    def wait_ready(self, service: Service, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        started = time.monotonic()
        with httpx.Client(timeout=2.0) as client:
            while time.monotonic() < deadline:
                if service.process and service.process.poll() is not None:
                    raise RuntimeError(
                        f"{service.name} exited with code {service.process.returncode}; "
                        f"see {self.log_dir / (service.name + '.log')}"
                    )
                try:
                    if service.is_ready(client.get(service.ready_url)):
                        self.log(f"{service.name} ready after {time.monotonic() - started:.0f} s")
                        return
                except (httpx.HTTPError, ValueError):
                    pass
                time.sleep(0.5)
        raise TimeoutError(f"{service.name} not ready after {timeout:.0f} s; see its log")

    def stop_service(self, service: Service) -> None:
        process = service.process
        if process is None:
            return
        if process.poll() is None:
            _signal_group(process, signal.SIGTERM)
            try:
                process.wait(STOP_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                _signal_group(process, signal.SIGKILL)
                process.wait()
        # Children the service started may outlive it; the group still names them.
        _signal_group(process, signal.SIGKILL)
        if service.log_file:
            service.log_file.close()
        service.process = None

    def stop(self) -> bool:
        """Stops what this stack started; False when it had started nothing."""
        started = [service for service in self.services if service.process is not None]
        for service in reversed(self.services):
            if service.process is not None:
                self.log(f"stopping {service.name}")
            self.stop_service(service)
        return bool(started)

    def service(self, name: str) -> Service:
        return next(s for s in self.services if s.name == name)

    def first_exited(self) -> Service | None:
        return next((s for s in self.services if s.process and s.process.poll() is not None), None)


def _address(url: str) -> tuple[str, int] | None:
    parts = urlsplit(url)
    if not parts.hostname:
        return None
    return parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)


def _listening(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.settimeout(0.5)
        return probe.connect_ex((host, port)) == 0


def _signal_group(process: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(process.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return ""


if __name__ == "__main__":  # pragma: no cover - convenience for debugging one service
    sys.exit("use: python -m stack up")
