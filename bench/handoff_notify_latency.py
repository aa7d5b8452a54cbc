"""Benchmark: ticket created -> agent console notified (SSE event received), p50/p95/max (target p95 <= 100 ms).

Starts the real service (``python -m handoff_service``) on a random port with its own database
(SQLite in a temp dir by default, or a fresh PostgreSQL database with --postgres), keeps one
agent SSE stream open, then creates tickets one at a time over HTTP and times, per ticket, from
just before the POST is sent until its ``ticket.created`` event arrives on the stream.

    .venv/bin/python bench/handoff_notify_latency.py --tickets 300
    .venv/bin/python bench/handoff_notify_latency.py --tickets 300 --postgres
    .venv/bin/python bench/handoff_notify_latency.py --tickets 300 --replicas 2   # PostgreSQL + Redis bus

With ``--replicas 2`` two services share one PostgreSQL database and the Redis event bus; tickets are
created on the first and the stream is read on the second, so every event crosses Redis.
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx
import psycopg

ROOT = Path(__file__).resolve().parent.parent
SERVICE_TOKEN = "bench-service-token"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_healthy(url: str, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("service exited during start-up")
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError("service did not become healthy")


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=300)
    parser.add_argument("--postgres", action="store_true", help="use a fresh PostgreSQL database instead of SQLite")
    parser.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--replicas", type=int, default=1, choices=(1, 2))
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0", help="event bus for --replicas 2")
    args = parser.parse_args()
    args.postgres = args.postgres or args.replicas > 1

    tmp = tempfile.mkdtemp(prefix="heard-notify-")
    pg_name = None
    if args.postgres:
        pg_name = f"heard_handoff_bench_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(args.admin_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{pg_name}"')
        database_url = args.admin_url.rsplit("/", 1)[0] + f"/{pg_name}"
    else:
        database_url = f"sqlite:///{tmp}/handoff.db"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "HANDOFF_SERVICE_TOKEN": SERVICE_TOKEN,
        "HANDOFF_SEED_DEMO_AGENT": "true",
        "RASA_URL": "http://127.0.0.1:9",
    }
    if args.replicas > 1:
        env.update({"HANDOFF_EVENT_BUS_URL": args.redis_url,
                    "HANDOFF_EVENT_BUS_PREFIX": f"heard-bench-{uuid.uuid4().hex[:8]}"})
    procs: list[subprocess.Popen[bytes]] = []
    urls: list[str] = []
    for n in range(args.replicas):
        port = free_port()
        urls.append(f"http://127.0.0.1:{port}")
        procs.append(subprocess.Popen([sys.executable, "-m", "handoff_service"], cwd=ROOT,
                                      env={**env, "HANDOFF_PORT": str(port)}, stdout=subprocess.DEVNULL,
                                      stderr=open(f"{tmp}/service-{n}.log", "wb")))
    # Tickets go to the first replica, the console listens on the last (the same one when there is one).
    url, console_url = urls[0], urls[-1]
    try:
        for replica_url, proc in zip(urls, procs):
            wait_healthy(replica_url, proc)
        login = httpx.post(f"{url}/api/v1/auth/login",
                           json={"email": "demo@heard.example", "password": "heard-demo"}).json()
        agent_token = login["access_token"]
        stream_token = httpx.post(f"{url}/api/v1/auth/stream-token",
                                  headers={"Authorization": f"Bearer {agent_token}"}).json()["token"]
        received: dict[int, float] = {}
        arrived = threading.Condition()
        ready = threading.Event()

        def listen() -> None:
            try:
                _listen()
            except httpx.HTTPError:
                pass  # the service is stopped at the end of the run

        def _listen() -> None:
            with httpx.Client(timeout=httpx.Timeout(30, read=60)) as client:
                with client.stream("GET", f"{console_url}/api/v1/events", params={"token": stream_token}) as response:
                    event = None
                    for line in response.iter_lines():
                        if line.startswith("event:"):
                            event = line.split(":", 1)[1].strip()
                            if event == "ready":
                                ready.set()
                        elif line.startswith("data:") and event == "ticket.created":
                            ticket_id = json.loads(line.split(":", 1)[1])["ticket_id"]
                            with arrived:
                                received[ticket_id] = time.perf_counter()
                                arrived.notify_all()

        threading.Thread(target=listen, daemon=True).start()
        if not ready.wait(10):
            raise RuntimeError("SSE stream did not open")
        latencies: list[float] = []
        after_response: list[float] = []
        headers = {"Authorization": f"Bearer {SERVICE_TOKEN}"}
        with httpx.Client(base_url=url, headers=headers) as client:
            for i in range(args.tickets):
                sent = time.perf_counter()
                response = client.post("/api/v1/tickets", json={
                    "conversation_id": f"notify-{i}", "customer_first_name": "Ann", "reasons": ["complaint"],
                    "transcript": [{"sender": "customer", "text": "My claim has been open for weeks and I'm upset."}],
                })
                answered = time.perf_counter()
                ticket_id = response.json()["id"]
                with arrived:
                    if not arrived.wait_for(lambda: ticket_id in received, timeout=5):
                        raise RuntimeError(f"no SSE event for ticket {ticket_id}")
                latencies.append((received[ticket_id] - sent) * 1000)
                after_response.append(max(0.0, received[ticket_id] - answered) * 1000)
        backend = "postgresql" if args.postgres else "sqlite"
        print(f"backend={backend} replicas={args.replicas} tickets={args.tickets}")
        print("POST sent -> SSE event received (ms): "
              f"p50={statistics.median(latencies):.1f} p95={percentile(latencies, 95):.1f} max={max(latencies):.1f}")
        print("POST answered -> SSE event received (ms): "
              f"p50={statistics.median(after_response):.1f} p95={percentile(after_response, 95):.1f}")
        ok = percentile(latencies, 95) <= 100
        print("RESULT", "OK" if ok else "ABOVE TARGET")
        return 0 if ok else 1
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        if pg_name:
            with psycopg.connect(args.admin_url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')


if __name__ == "__main__":
    sys.exit(main())
