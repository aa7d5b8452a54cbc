"""Faults during load on the production profile: kill -9 replicas and cut PostgreSQL connections, count losses.

    nice -n 10 .venv/bin/python bench/faults.py [--customers 20] [--seconds 90]

Customers talk to the public nginx entry back to back while, on a schedule, one Rasa, one action server and
one handoff service replica are killed with SIGKILL (the supervisor restarts them) and every PostgreSQL
connection of the profile's databases is terminated. Reported: turns sent, answered, errors clients saw, and
**customer messages acknowledged (HTTP 200 with a reply) but missing from the tracker** — target 0; then every
conversation must answer one more message after recovery. Meanwhile customers handed over to an agent write
to them and the agent replies, and new customers ask for a person (bench/faults_handoff.py): relayed messages
and agent replies lost, tickets lost or duplicated — target 0 each.
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

from faults_handoff import HandoffSide  # noqa: E402
from load import SCRIPT, production_profile  # noqa: E402

from stack.processes import APP_VENV  # noqa: E402
from stack.settings import ROOT  # noqa: E402
from stack.supervision import Supervisor  # noqa: E402

SETTLE_SECONDS = 120  # after recovery, for retries (outbox back-off up to 60 s, relay retries up to 30 s)


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


async def customers(url: str, count: int, seconds: float, acknowledged: dict, errors: list,
                    headers: dict[str, str]) -> None:
    deadline = time.monotonic() + seconds

    async def one(client: httpx.AsyncClient) -> None:
        sender = f"rest:fault-{uuid.uuid4().hex[:10]}"  # the conversation id (REST ids are namespaced)
        acknowledged[sender] = []
        turn = 0
        while time.monotonic() < deadline:
            text = f"{SCRIPT[turn % len(SCRIPT)]} ({turn})"  # numbered: order and losses are checkable
            try:
                response = await client.post(f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": text},
                                             headers=headers)
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
    parser.add_argument("--handed-over", type=int, default=4, help="customers waiting for/with an agent throughout")
    args = parser.parse_args()
    with production_profile() as target:
        stack = target.stack
        back_at: dict[str, float] = {}

        def supervisor_log(line: str) -> None:
            if line.endswith(" is back"):
                back_at.setdefault(line.split()[0], time.time())
            print(f"  [supervisor] {line}", flush=True)

        supervisor = Supervisor(stack, log=supervisor_log)
        stop = threading.Event()

        def supervise() -> None:
            while not stop.is_set():
                supervisor.tick()
                time.sleep(0.5)

        threading.Thread(target=supervise, daemon=True).start()
        handoff = HandoffSide(target.base_url, waiting=args.handed_over, late_every=args.seconds / 8,
                              rest_headers=target.headers)
        email, password = handoff.create_agent(stack.settings.env, str(APP_VENV / "bin" / "python"), str(ROOT))
        killed_at: dict[str, float] = {}

        def kill(name: str) -> str:
            killed_at[name] = time.time()
            return _kill(stack, name)

        share = args.seconds / 5
        schedule = [(share, lambda: kill("rasa-1")), (2 * share, lambda: kill("actions-1")),
                    (3 * share, lambda: kill("handoff-1")), (4 * share, lambda: _cut_postgres(stack))]
        acknowledged: dict[str, list[str]] = {}
        errors: list[str] = []

        async def load() -> None:
            async with httpx.AsyncClient(timeout=60) as client:
                await handoff.log_in(client, email, password)
                await handoff.prepare(client)
                print(f"{len(handoff.tickets)} customers handed over and claimed; faults start", flush=True)
                started = time.monotonic()

                def faults() -> None:
                    for at, fault in schedule:
                        time.sleep(max(0.0, started + at - time.monotonic()))
                        print(f"t={time.monotonic() - started:5.1f} s: {fault()}", flush=True)

                threading.Thread(target=faults, daemon=True).start()
                await asyncio.gather(customers(target.base_url, args.customers, args.seconds, acknowledged, errors,
                                                   target.headers),
                                     handoff.run(client, args.seconds))

        asyncio.run(load())
        # Recovery: every replica back, then each conversation must answer once more.
        deadline = time.monotonic() + 300
        while supervisor.snapshot()["status"] != "ok" and time.monotonic() < deadline:
            time.sleep(1)
        snapshot = supervisor.snapshot()
        restarted = ", ".join(f"{name}: {state['restarts_total']} restart(s)"
                              for name, state in snapshot["services"].items() if state["restarts_total"])
        print(f"after the load: {snapshot['status']} ({restarted})")
        rasa = f"http://127.0.0.1:{stack.production.replica_ports('rasa')[-1]}"
        actions_down = (killed_at.get("actions-1", 0.0), back_at.get("actions-1", time.time()))
        settle_until = time.monotonic() + SETTLE_SECONDS
        while True:
            handed = handoff.count(stack.production.database_url("handoff"), rasa, stack.production.RASA_TOKEN,
                                   actions_down)
            if (handed["relayed_lost"] + handed["replies_lost"] + handed["tickets_lost"] == 0
                    or time.monotonic() > settle_until):
                break
            time.sleep(5)
        stop.set()
        missing, continued = 0, 0
        with httpx.Client(timeout=60) as client:
            for sender, texts in acknowledged.items():
                events = client.get(f"{rasa}/conversations/{sender}/tracker",
                                    params={"token": stack.production.RASA_TOKEN}).json()["events"]
                stored = [e["text"] for e in events if e["event"] == "user"]
                missing += len([text for text in texts if text not in stored])
                reply = client.post(f"{target.base_url}/webhooks/rest/webhook",
                                    json={"sender": sender, "message": "thanks"}, headers=target.headers)
                continued += int(reply.status_code == 200 and bool(reply.json()))
    sent = sum(len(t) for t in acknowledged.values()) + len(errors)
    print(f"\n{args.customers} customers for {args.seconds:.0f} s through nginx: {sent} turns sent, "
          f"{sent - len(errors)} answered, {len(errors)} errors seen by clients "
          f"({', '.join(sorted(set(errors)))[:200] or 'none'})")
    print(f"acknowledged but missing from the tracker: {missing}")
    print(f"conversations that answered again after recovery: {continued} of {len(acknowledged)}")
    print(f"handed over ({len(handoff.tickets)} customers with an agent): {handed['relayed']} customer messages "
          f"relayed, {handed['relayed_lost']} lost, {handed['relayed_twice']} twice; written while actions-1 was down "
          f"({actions_down[1] - actions_down[0]:.0f} s): {handed['relayed_while_actions_down']}, "
          f"{handed['relayed_lost_while_actions_down']} lost")
    print(f"agent replies accepted: {handed['replies']}, lost: {handed['replies_lost']}")
    print(f"requests for a person acknowledged: {handed['requests_acknowledged']}, tickets lost: "
          f"{handed['tickets_lost']}, duplicated: {handed['tickets_duplicated']}")
    print(f"errors on the handoff side: {len(handed['errors'])} ({', '.join(sorted(set(handed['errors'])))[:200] or 'none'})")


if __name__ == "__main__":
    main()
