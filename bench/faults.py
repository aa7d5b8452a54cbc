"""Faults during load on the production profile: kill -9 replicas and cut PostgreSQL connections, count losses.

    nice -n 10 .venv/bin/python bench/faults.py [--customers 20] [--seconds 90]

Customers talk to the public nginx entry back to back while, on a schedule, one Rasa, one action server and
one handoff service replica are killed with SIGKILL (the supervisor restarts them) and every PostgreSQL
connection of the profile's databases is terminated. Reported: turns sent, answered, errors clients saw, and
**customer messages acknowledged (HTTP 200 with a reply) but missing from the tracker** — target 0; then every
conversation must answer one more message after recovery.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import threading
import time
import uuid
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from load import SCRIPT, production_profile  # noqa: E402

from stack.supervision import Supervisor  # noqa: E402


def _kill(stack, name: str) -> str:
    os.killpg(stack.service(name).process.pid, signal.SIGKILL)
    return f"kill -9 {name}"


def _cut_postgres(stack) -> str:
    import psycopg

    names = [stack.production.database(n) for n in ("tracker", "handoff", "insurance")]
    with psycopg.connect(stack.production.POSTGRES_ADMIN_URL, autocommit=True) as admin:
        cut = admin.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = ANY(%s)",
                            (names,)).fetchone()[0]
    return f"terminated {cut} PostgreSQL connections"


async def customers(url: str, count: int, seconds: float, acknowledged: dict, errors: list) -> None:
    deadline = time.monotonic() + seconds

    async def one(client: httpx.AsyncClient) -> None:
        sender = f"rest:fault-{uuid.uuid4().hex[:10]}"  # the conversation id (REST ids are namespaced)
        acknowledged[sender] = []
        turn = 0
        while time.monotonic() < deadline:
            text = f"{SCRIPT[turn % len(SCRIPT)]} ({turn})"  # numbered: order and losses are checkable
            try:
                response = await client.post(f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": text})
                if response.status_code == 200 and response.json():
                    acknowledged[sender].append(text)
                else:
                    errors.append(f"{response.status_code} {response.text[:80]!r}")
            except (httpx.HTTPError, ValueError) as error:
                errors.append(type(error).__name__)
            turn += 1

    async with httpx.AsyncClient(timeout=60) as client:
        await asyncio.gather(*(one(client) for _ in range(count)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=90)
    args = parser.parse_args()
    with production_profile() as target:
        stack = target.stack
        supervisor = Supervisor(stack, log=lambda line: print(f"  [supervisor] {line}", flush=True))
        stop = threading.Event()

        def supervise() -> None:
            while not stop.is_set():
                supervisor.tick()
                time.sleep(0.5)

        threading.Thread(target=supervise, daemon=True).start()
        share = args.seconds / 5
        schedule = [(share, lambda: _kill(stack, "rasa-1")), (2 * share, lambda: _kill(stack, "actions-1")),
                    (3 * share, lambda: _kill(stack, "handoff-1")), (4 * share, lambda: _cut_postgres(stack))]
        started = time.monotonic()

        def faults() -> None:
            for at, fault in schedule:
                time.sleep(max(0.0, started + at - time.monotonic()))
                print(f"t={time.monotonic() - started:5.1f} s: {fault()}", flush=True)

        threading.Thread(target=faults, daemon=True).start()
        acknowledged: dict[str, list[str]] = {}
        errors: list[str] = []
        asyncio.run(customers(target.base_url, args.customers, args.seconds, acknowledged, errors))
        # Recovery: every replica back, then each conversation must answer once more.
        deadline = time.monotonic() + 300
        while supervisor.snapshot()["status"] != "ok" and time.monotonic() < deadline:
            time.sleep(1)
        snapshot = supervisor.snapshot()
        restarted = ", ".join(f"{name}: {state['restarts_total']} restart(s)"
                              for name, state in snapshot["services"].items() if state["restarts_total"])
        print(f"after the load: {snapshot['status']} ({restarted})")
        stop.set()
        rasa = f"http://127.0.0.1:{stack.production.replica_ports('rasa')[-1]}"
        missing, continued = 0, 0
        with httpx.Client(timeout=60) as client:
            for sender, texts in acknowledged.items():
                events = client.get(f"{rasa}/conversations/{sender}/tracker",
                                    params={"token": stack.production.RASA_TOKEN}).json()["events"]
                stored = [e["text"] for e in events if e["event"] == "user"]
                missing += len([text for text in texts if text not in stored])
                reply = client.post(f"{target.base_url}/webhooks/rest/webhook",
                                    json={"sender": sender, "message": "thanks"})
                continued += int(reply.status_code == 200 and bool(reply.json()))
    sent = sum(len(t) for t in acknowledged.values()) + len(errors)
    print(f"\n{args.customers} customers for {args.seconds:.0f} s through nginx: {sent} turns sent, "
          f"{sent - len(errors)} answered, {len(errors)} errors seen by clients "
          f"({', '.join(sorted(set(errors)))[:200] or 'none'})")
    print(f"acknowledged but missing from the tracker: {missing}")
    print(f"conversations that answered again after recovery: {continued} of {len(acknowledged)}")


if __name__ == "__main__":
    main()
