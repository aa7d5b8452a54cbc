"""Keep every service running: a process that dies is restarted after a back-off, the others keep serving.

Before this, ``./heard up`` stopped the whole product when one process died: a crash of the action
server during a handoff took Rasa and the handoff service (and the customer waiting in the queue) with it.

``RestartPolicy`` is the decision alone (pure, clock passed in, pinned by tests); ``Supervisor`` applies
it to a ``Stack`` once a second and publishes what it sees on ``GET /health`` of a loopback-only status
port and in ``var/run/status.json`` (``./heard status`` prints it).
"""
from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable

import httpx

# Why these numbers: a process that dies once (an OOM kill, a lost database connection at start) is back
# within a second; one that keeps dying backs off to half a minute so it does not eat the CPU the
# others need; five deaths within ten minutes mean a fault a restart will not fix (a bad model, a
# broken config), so it stays down, the others keep serving and /health says "failed" for an operator.
BACKOFF_BASE_SECONDS = 1.0
BACKOFF_MAX_SECONDS = 30.0
MAX_RESTARTS = 5
RESTART_WINDOW_SECONDS = 600.0


@dataclass(frozen=True)
class RestartPolicy:
    base_seconds: float = BACKOFF_BASE_SECONDS
    max_seconds: float = BACKOFF_MAX_SECONDS
    max_restarts: int = MAX_RESTARTS
    window_seconds: float = RESTART_WINDOW_SECONDS

    def delay(self, recent_restarts: int) -> float:
        """Seconds to wait before the next restart, given the restarts already made in the window."""
        return min(self.max_seconds, self.base_seconds * 2 ** recent_restarts)

    def recent(self, restarts: list[float], now: float) -> list[float]:
        return [at for at in restarts if now - at < self.window_seconds]

    def gives_up(self, restarts: list[float], now: float) -> bool:
        return len(self.recent(restarts, now)) >= self.max_restarts


@dataclass
class ServiceState:
    name: str
    status: str = "starting"  # starting | running | restarting | failed
    restarts: list[float] = field(default_factory=list)
    last_exit_code: int | None = None
    restart_at: float | None = None

    def as_dict(self, now: float, policy: RestartPolicy) -> dict:
        return {"status": self.status, "restarts_total": len(self.restarts),
                "restarts_in_window": len(policy.recent(self.restarts, now)),
                "last_exit_code": self.last_exit_code,
                "restart_in_seconds": None if self.restart_at is None else round(max(0.0, self.restart_at - now), 1)}


class Supervisor:
    """Watches a started stack; ``tick()`` is one look (the loop and the tests call it)."""

    def __init__(self, stack, policy: RestartPolicy = RestartPolicy(), log: Callable[[str], None] = print,
                 clock: Callable[[], float] = time.monotonic, status_file: Path | None = None) -> None:
        self.stack = stack
        self.policy = policy
        self.log = log
        self.clock = clock
        self.status_file = status_file
        self.states = {service.name: ServiceState(service.name, status="running") for service in stack.services}
        self._lock = threading.Lock()

    def tick(self) -> None:
        now = self.clock()
        for service in self.stack.services:
            state = self.states[service.name]
            if state.status == "restarting" and state.restart_at is not None and now >= state.restart_at:
                self.log(f"restarting {service.name} (restart {len(self.policy.recent(state.restarts, now)) + 1} "
                         f"of at most {self.policy.max_restarts} in {self.policy.window_seconds:.0f} s)")
                with self._lock:
                    state.restarts.append(now)
                    state.restart_at = None
                    state.status = "starting"
                self.stack.start_service(service)
            elif state.status in ("running", "starting") and service.process is not None \
                    and service.process.poll() is not None:
                self._exited(service, state, now)
            elif state.status == "starting" and self._answers(service):
                self.log(f"{service.name} is back")
                state.status = "running"
        self._publish(now)

    def _exited(self, service, state: ServiceState, now: float) -> None:
        code = service.process.returncode
        self.stack.stop_service(service)  # reaps it and kills whatever it left in its process group
        with self._lock:
            state.last_exit_code = code
            if self.policy.gives_up(state.restarts, now):
                state.status = "failed"
                self.log(f"{service.name} exited with code {code} and was restarted {self.policy.max_restarts} "
                         f"times in {self.policy.window_seconds:.0f} s: giving up; the other services keep running "
                         f"(log: {self.stack.log_dir / (service.name + '.log')})")
                return
            delay = self.policy.delay(len(self.policy.recent(state.restarts, now)))
            state.status, state.restart_at = "restarting", now + delay
        self.log(f"{service.name} exited with code {code}; restarting in {delay:.0f} s")

    def _answers(self, service) -> bool:
        try:
            return service.is_ready(httpx.get(service.ready_url, timeout=1.0))
        except (httpx.HTTPError, ValueError):
            return False

    def snapshot(self) -> dict:
        now = self.clock()
        with self._lock:
            services = {name: state.as_dict(now, self.policy) for name, state in self.states.items()}
        healthy = all(s["status"] == "running" for s in services.values())
        return {"status": "ok" if healthy else "degraded", "services": services}

    def _publish(self, now: float) -> None:
        if self.status_file is None:
            return
        self.status_file.parent.mkdir(parents=True, exist_ok=True)
        partial = self.status_file.with_suffix(".tmp")
        partial.write_text(json.dumps(self.snapshot(), indent=2))
        partial.replace(self.status_file)

    def serve_health(self, host: str, port: int) -> ThreadingHTTPServer:
        """``GET /health`` → 200 when every service runs, 503 (with the same JSON) when one does not."""
        supervisor = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                if self.path.split("?")[0] != "/health":
                    self.send_error(404)
                    return
                snapshot = supervisor.snapshot()
                body = json.dumps(snapshot).encode()
                self.send_response(200 if snapshot["status"] == "ok" else 503)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        server = ThreadingHTTPServer((host, port), Handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, name="supervisor-health", daemon=True).start()
        return server
