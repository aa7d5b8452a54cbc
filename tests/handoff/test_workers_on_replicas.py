"""Background work on every replica, never twice for one row: two outbox workers (two engines, one
database, both backends) deliver each row exactly once and in order per conversation, and two
concurrent queue-update passes tell a customer once per move."""
from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from handoff_service.app import build_runtime
from handoff_service.config import Settings, replace_settings
from handoff_service.models import Agent, Delivery, DeliveryKind, DeliveryStatus
from handoff_service.runtime import Runtime
from handoff_service.services import claims, tickets
from handoff_service.services.queue_updates import announce_queue_moves
from handoff_service.services.tickets import TicketDraft

from .fake_rasa import FakeRasa
from .helpers import make_agent

CONVERSATIONS = 6
REPLIES = 8


@pytest.fixture
def two_replicas(fresh_db_url: str, settings: Settings) -> Iterator[tuple[FakeRasa, Runtime, Runtime]]:
    with FakeRasa() as fake:
        settings = replace_settings(settings, database_url=fresh_db_url, rasa_url=fake.url,
                                    outbox_backoff_base_seconds=0.01, outbox_backoff_max_seconds=0.05)
        first, second = build_runtime(settings), build_runtime(settings)
        yield fake, first, second
        for runtime in (first, second):
            assert runtime.engine is not None
            runtime.engine.dispose()


def _conversations_with_replies(runtime: Runtime) -> None:
    with runtime.session() as session:
        agent = make_agent(session, "Sam")
        ticket_ids = []
        for c in range(CONVERSATIONS):
            ticket, _ = tickets.create_ticket(session=session, settings=runtime.settings,
                                              draft=TicketDraft(conversation_id=f"replica-conv-{c}"))
            claims.claim_ticket(session=session, settings=runtime.settings, agent_id=agent.id, ticket_id=ticket.id)
            ticket_ids.append(ticket.id)
        session.commit()
        agent_id = agent.id
    for r in range(REPLIES):
        for ticket_id in ticket_ids:
            with runtime.session() as session:
                agent = session.get(Agent, agent_id)
                assert agent is not None
                claims.reply(session=session, agent=agent, ticket_id=ticket_id, text=f"reply {r}")
                session.commit()


def _pending(runtime: Runtime) -> int:
    with runtime.session() as session:
        return len(session.scalars(select(Delivery.id).where(Delivery.status == DeliveryStatus.pending)).all())


def test_two_workers_deliver_every_row_once_and_in_order(two_replicas: tuple[FakeRasa, Runtime, Runtime]) -> None:
    fake, first, second = two_replicas
    _conversations_with_replies(first)
    fake.accept_then_fail = 4  # some sends reach Rasa but look failed: re-sends must be recognised
    sent = {"first": 0, "second": 0}

    async def work(name: str, runtime: Runtime) -> None:
        deadline = time.monotonic() + 60
        while _pending(runtime) and time.monotonic() < deadline:
            sent[name] += await runtime.worker.run_once()
            await asyncio.sleep(0)
        await runtime.rasa.aclose()

    # One event loop per replica, as in two processes.
    threads = [threading.Thread(target=asyncio.run, args=(work(name, runtime),))
               for name, runtime in (("first", first), ("second", second))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    assert _pending(first) == 0
    assert sent["first"] > 0 and sent["second"] > 0, f"both workers should have delivered: {sent}"
    for c in range(CONVERSATIONS):
        bots = fake.events(f"replica-conv-{c}", "bot")
        assert [e["text"] for e in bots] == [f"Sam (a person): reply {r}" for r in range(REPLIES)]
        assert len({e["metadata"]["heard_delivery_id"] for e in bots}) == REPLIES
    with first.session() as session:
        statuses = session.scalars(select(Delivery.status).where(Delivery.kind == DeliveryKind.bot_message)).all()
    assert statuses == [DeliveryStatus.delivered] * (CONVERSATIONS * REPLIES)


def test_two_queue_update_passes_tell_each_customer_once(two_replicas: tuple[FakeRasa, Runtime, Runtime]) -> None:
    _fake, first, second = two_replicas
    with first.session() as session:
        waiting = [tickets.create_ticket(session=session, settings=first.settings,
                                         draft=TicketDraft(conversation_id=f"queue-race-{i}"))[0].id for i in range(4)]
        agent = make_agent(session, "Sam")
        session.commit()
        claims.claim_next(session=session, settings=first.settings, agent_id=agent.id)
        session.commit()

    told: dict[str, int] = {}
    # The first pass holds its writes uncommitted while the second reads the same queue and tries too.
    with first.session() as holding:
        told["first"] = announce_queue_moves(session=holding, settings=first.settings)

        def second_pass() -> None:
            with second.session() as session:
                told["second"] = announce_queue_moves(session=session, settings=second.settings)
                session.commit()

        racer = threading.Thread(target=second_pass)
        racer.start()
        time.sleep(0.5)
        holding.commit()
    racer.join(timeout=60)
    assert told == {"first": 3, "second": 0}
    with first.session() as session:
        notices = session.scalars(select(Delivery.ticket_id).where(Delivery.kind == DeliveryKind.bot_message)).all()
    assert sorted(notices) == sorted(waiting[1:])
