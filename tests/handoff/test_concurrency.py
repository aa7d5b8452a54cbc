"""Many claimers at once, real commits, both backends: every ticket is claimed exactly once."""
from __future__ import annotations

import multiprocessing
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import select
from sqlalchemy.dialects import postgresql

from handoff_service.config import Settings, replace_settings
from handoff_service.db import make_engine, make_session_factory
from handoff_service.models import Message, Ticket, TicketStatus
from handoff_service.services import tickets
from handoff_service.services.tickets import TicketDraft

from .helpers import claim_until_empty, make_agent

TICKETS = 120


def _seed(url: str, settings: Settings, agents: int, tickets_count: int = TICKETS) -> list[int]:
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        agent_ids = [make_agent(session, f"Agent{i}").id for i in range(agents)]
        for i in range(tickets_count):
            tickets.create_ticket(session=session, settings=settings, draft=TicketDraft(conversation_id=f"conc-{i}"))
        session.commit()
    engine.dispose()
    return agent_ids


def _assert_claimed_exactly_once(url: str, results: dict[int, list[int]]) -> None:
    all_claims = [ticket_id for ids in results.values() for ticket_id in ids]
    counts = Counter(all_claims)
    assert len(all_claims) == TICKETS, f"expected {TICKETS} claims, got {len(all_claims)}"
    assert max(counts.values()) == 1, f"double claims: {[t for t, n in counts.items() if n > 1]}"
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        rows = session.execute(select(Ticket.id, Ticket.status, Ticket.assigned_agent_id)).all()
    engine.dispose()
    owner = {ticket_id: agent_id for agent_id, ids in results.items() for ticket_id in ids}
    assert all(status == TicketStatus.claimed for _, status, _ in rows)
    assert {row.id: row.assigned_agent_id for row in rows} == owner


def test_many_threads_claim_the_same_queue(fresh_db_url: str, settings: Settings) -> None:
    agent_ids = _seed(fresh_db_url, settings, agents=16)
    with ThreadPoolExecutor(max_workers=len(agent_ids)) as pool:
        futures = {agent_id: pool.submit(claim_until_empty, fresh_db_url, agent_id) for agent_id in agent_ids}
        results = {agent_id: future.result(timeout=120) for agent_id, future in futures.items()}
    _assert_claimed_exactly_once(fresh_db_url, results)
    assert sum(1 for ids in results.values() if ids) > 1, "claims were not actually concurrent"


def test_many_processes_claim_the_same_queue(fresh_db_url: str, settings: Settings) -> None:
    agent_ids = _seed(fresh_db_url, settings, agents=4)
    context = multiprocessing.get_context("spawn")
    with context.Pool(len(agent_ids)) as pool:
        async_results = {a: pool.apply_async(claim_until_empty, (fresh_db_url, a)) for a in agent_ids}
        results = {a: r.get(timeout=120) for a, r in async_results.items()}
    _assert_claimed_exactly_once(fresh_db_url, results)


def test_concurrent_creates_and_retried_messages_never_duplicate(fresh_db_url: str, settings: Settings) -> None:
    settings = replace_settings(settings)
    engine = make_engine(fresh_db_url)
    factory = make_session_factory(engine)

    def create(_: int) -> int:
        with factory() as session:
            ticket, _created = tickets.create_ticket(
                session=session, settings=settings, draft=TicketDraft(conversation_id="same-conversation")
            )
            session.commit()
            return ticket.id

    def relay(ticket_id: int) -> int:
        with factory() as session:
            ticket = tickets.get_ticket(session=session, ticket_id=ticket_id)
            message, _created = tickets.add_customer_message(session=session, ticket=ticket, text="hi", external_id="x-1")
            session.commit()
            return message.id

    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            ticket_ids = set(pool.map(create, range(16)))
            assert len(ticket_ids) == 1
            message_ids = set(pool.map(relay, [ticket_ids.pop()] * 16))
        assert len(message_ids) == 1
        with factory() as session:
            assert len(session.scalars(select(Message)).all()) == 1
    finally:
        engine.dispose()


def test_threads_sharing_one_engine_compile_the_claim_statement_at_once(
    fresh_db_url: str, settings: Settings
) -> None:
    """As in the service: one engine, one cached claim statement (greeting on), many threads at once."""
    import threading

    from handoff_service.services import claims
    from handoff_service.services.claim_statement import _statement

    # With the ORM entity aliased to the CTE, threads compiling it at once sometimes got SQL that read
    # "tickets" beside "claimed" (a cartesian product: MultipleResultsFound, claims lost to a rollback).
    # Now the statement is Core: its final SELECT reads only the CTEs and does not join agents.
    for by_id in (False, True):
        for template in ("", "Hi {first_name}"):
            query, _ = _statement(template, by_id)
            final_select = str(query.compile(dialect=postgresql.dialect())).rsplit(")\n SELECT ", 1)[-1]
            assert "tickets" not in final_select and "agents" not in final_select

    agent_ids = _seed(fresh_db_url, settings, agents=16)
    greeting = replace_settings(settings, join_message="Hi {first_name}, {agent_name} here.")
    for _round in range(3):
        _statement.cache_clear()
        engine = make_engine(fresh_db_url, pool_size=len(agent_ids), max_overflow=0)
        factory = make_session_factory(engine)
        start = threading.Barrier(len(agent_ids))

        def claim_some(agent_id: int) -> list[int]:
            start.wait()
            claimed = []
            for _ in range(2):
                with factory() as session:
                    ticket = claims.claim_next(session=session, settings=greeting, agent_id=agent_id)
                    session.commit()
                    if ticket is not None:
                        assert ticket.assigned_agent is not None and ticket.assigned_agent.id == agent_id
                        claimed.append(ticket.id)
            return claimed

        try:
            with ThreadPoolExecutor(max_workers=len(agent_ids)) as pool:
                claimed_now = [t for ids in pool.map(claim_some, agent_ids) for t in ids]
        finally:
            engine.dispose()
        assert len(claimed_now) == len(set(claimed_now)) == 2 * len(agent_ids)
