"""Benchmark: claims per second with many concurrent agents on PostgreSQL (target >= 1,000/s, 0 double claims).

Creates its own database, seeds queued tickets, lets N agents (threads, optionally spread over
processes) claim through the service layer (one request's database work per claim: the same code path the
API uses), checks every ticket was claimed exactly once, and drops the database.

    .venv/bin/python bench/handoff_claims.py --agents 50 --tickets 20000 --processes 2
"""
from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import threading
import time
import traceback
import uuid
from collections import Counter
from pathlib import Path

import psycopg
from sqlalchemy import Connection, insert, select, update

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from handoff_service.config import SETTINGS  # noqa: E402
from handoff_service.db import (  # noqa: E402
    make_engine,
    make_session_factory,
    run_single_statements_without_transaction,
)
from handoff_service.migrate import upgrade_database  # noqa: E402
from handoff_service.models import Agent, Presence, Priority, Ticket, TicketStatus, utcnow  # noqa: E402
from handoff_service.security import TokenSigner  # noqa: E402
from handoff_service.services import claims  # noqa: E402
from handoff_service.services.queue import queue_key_for  # noqa: E402


def seed(url: str, agents: int, tickets: int) -> list[int]:
    engine = make_engine(url)
    now = utcnow()
    priorities = list(Priority)
    with make_session_factory(engine)() as session:
        agent_rows = [
            {"name": f"Agent {i}", "email": f"bench{i}@heard.example", "password_hash": "x", "skills": [],
             "presence": Presence.online, "presence_changed_at": now, "created_at": now}
            for i in range(agents)
        ]
        session.execute(insert(Agent), agent_rows)
        batch = []
        for i in range(tickets):
            priority = priorities[i % len(priorities)]
            batch.append({
                "conversation_id": f"bench-{i}", "channel": "bench", "reasons": [], "priority": priority,
                "emotion_timeline": [], "summary": "", "summary_source": "bot", "slots": {}, "transcript": [],
                "status": TicketStatus.queued, "created_at": now, "queued_at": now,
                "queue_key": queue_key_for(priority, now, SETTINGS.ageing_minutes_per_level),
            })
            if len(batch) == 2000:
                session.execute(insert(Ticket), batch)
                batch = []
        if batch:
            session.execute(insert(Ticket), batch)
        session.commit()
        ids = list(session.scalars(select(Agent.id).order_by(Agent.id)))
    engine.dispose()
    return ids


def _claim_core(connection: Connection, agent_id: int) -> int | None:
    """The bare atomic claim (the statement claim_next runs), without the ORM around it."""
    head = (
        select(Ticket.id)
        .where(Ticket.status == TicketStatus.queued)
        .order_by(Ticket.queue_key, Ticket.id)
        .limit(1)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    stmt = (
        update(Ticket)
        .where(Ticket.id == head, Ticket.status == TicketStatus.queued)
        .values(status=TicketStatus.claimed, claimed_at=utcnow(), assigned_agent_id=agent_id)
        .returning(Ticket.id)
    )
    with connection.begin():
        return connection.execute(stmt).scalar_one_or_none()


def machine_busy_seconds() -> float:
    """CPU time all cores spent busy since boot (/proc/stat, without idle and iowait)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(fields[:8]) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def claim_worker(
    url: str,
    agent_ids: list[int],
    results: "multiprocessing.Queue[tuple[int, list[int], str]]",
    options: str,
    mode: str,
    pool_size: int,
    cpu_results: "multiprocessing.Queue[float]",
) -> None:
    settings = SETTINGS  # the defaults, greeting included: what a claim does in production
    connect_args = {"options": options} if options else {}
    # A bounded pool per process that the agents' requests share, as in the service.
    size = min(pool_size, len(agent_ids)) if pool_size > 0 else len(agent_ids)
    engine = make_engine(url, pool_size=size, max_overflow=0, connect_args=connect_args)
    factory = make_session_factory(engine)
    signer = TokenSigner(settings.secret_key)
    tokens = {agent_id: signer.issue("agent", agent_id) for agent_id in agent_ids}
    start_barrier = threading.Barrier(len(agent_ids))

    def claim_once(agent_id: int) -> int | None:
        if mode == "core":
            with engine.connect() as connection:
                return _claim_core(connection, agent_id)
        # "service": what POST /api/v1/queue/claim-next does: verify the agent's token, claim_next (which reads
        # the agent in its statement), commit.
        with factory() as session:
            run_single_statements_without_transaction(session)
            verified = signer.verify("agent", tokens[agent_id], settings.agent_token_ttl_seconds)
            assert verified is not None
            ticket = claims.claim_next(session=session, settings=settings, agent_id=verified.subject)
            session.commit()
            return ticket.id if ticket is not None else None

    def run(agent_id: int) -> None:
        claimed: list[int] = []
        error = ""
        start_barrier.wait()
        try:
            while (ticket_id := claim_once(agent_id)) is not None:
                claimed.append(ticket_id)
        except Exception as exc:  # reported by main(): a silent thread death would leave it waiting
            traceback.print_exc()
            error = f"agent {agent_id}: {exc!r}"
        results.put((agent_id, claimed, error))

    threads = [threading.Thread(target=run, args=(a,)) for a in agent_ids]
    cpu_before = time.process_time()  # after imports and start-up: only the claiming is counted
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    cpu_results.put(time.process_time() - cpu_before)
    engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--agents", type=int, default=50)
    parser.add_argument("--tickets", type=int, default=20_000)
    parser.add_argument("--processes", type=int, default=2, help="agents are spread over this many processes")
    parser.add_argument(
        "--mode",
        choices=["service", "core"],
        default="service",
        help="service: verify the agent's token, claim_next (reads the agent, claims, writes the joined message, "
             "greeting + outbox row: one statement outside BEGIN/COMMIT on PostgreSQL), commit; "
             "core: the bare atomic UPDATE",
    )
    parser.add_argument(
        "--pool-size", type=int, default=0,
        help="database connections per process; 0 = one per agent, as the service's pool (20 + 40 overflow) "
             "gives 25 concurrent requests",
    )
    parser.add_argument(
        "--pg-options", default="", help='libpq options for the claim connections, e.g. "-c synchronous_commit=off"'
    )
    args = parser.parse_args()

    name = f"heard_handoff_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(args.admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = args.admin_url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1) + f"/{name}"
    try:
        upgrade_database(url)
        agent_ids = seed(url, args.agents, args.tickets)
        groups = [agent_ids[i :: args.processes] for i in range(args.processes)]
        ctx = multiprocessing.get_context("spawn")
        results: multiprocessing.Queue[tuple[int, list[int], str]] = ctx.Queue()
        cpu_results: multiprocessing.Queue[float] = ctx.Queue()
        procs = [
            ctx.Process(target=claim_worker,
                        args=(url, group, results, args.pg_options, args.mode, args.pool_size, cpu_results))
            for group in groups if group
        ]
        started, busy_before = time.perf_counter(), machine_busy_seconds()
        for p in procs:
            p.start()
        reports = [results.get(timeout=600) for _ in agent_ids]
        per_agent = {agent_id: claimed for agent_id, claimed, _ in reports}
        errors = [error for _, _, error in reports if error]
        elapsed = time.perf_counter() - started
        busy = machine_busy_seconds() - busy_before
        agents_cpu = sum(cpu_results.get(timeout=60) for _ in procs)
        for p in procs:
            p.join()
        all_claims = [t for ids in per_agent.values() for t in ids]
        doubles = sum(n - 1 for n in Counter(all_claims).values() if n > 1)
        engine = make_engine(url)
        with make_session_factory(engine)() as session:
            rows = session.execute(select(Ticket.id, Ticket.status, Ticket.assigned_agent_id)).all()
        engine.dispose()
        owner = {t: a for a, ids in per_agent.items() for t in ids}
        mismatched = sum(1 for r in rows if r.status != TicketStatus.claimed or owner.get(r.id) != r.assigned_agent_id)
        busiest = max(len(v) for v in per_agent.values())
        idlest = min(len(v) for v in per_agent.values())
        print(f"agents={args.agents} processes={args.processes} pool_size={args.pool_size} tickets={args.tickets} "
              f"mode={args.mode} pg_options={args.pg_options!r}")
        print(f"claimed={len(all_claims)} in {elapsed:.2f}s -> {len(all_claims) / elapsed:,.0f} claims/s")
        per_claim = 1000 / max(1, len(all_claims))
        rest = (busy - agents_cpu) * per_claim
        print(f"cpu per claim: agent processes {agents_cpu * per_claim:.2f} ms, rest of the machine (PostgreSQL, "
              f"kernel, the processes' start-up) {rest:.2f} ms; machine busy {busy / elapsed:.2f} of "
              f"{os.cpu_count()} cores")
        print(f"double_claims={doubles} unclaimed_or_mismatched={mismatched} per_agent_min={idlest} per_agent_max={busiest}")
        for error in errors[:5]:
            print("ERROR", error)
        ok = not errors and doubles == 0 and mismatched == 0 and len(all_claims) == args.tickets
        print("RESULT", "OK" if ok else "FAILED")
        return 0 if ok else 1
    finally:
        with psycopg.connect(args.admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    sys.exit(main())
