"""Delivery to Rasa through the outbox, against a fake Rasa on a random port (both backends, real commits)."""
from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from handoff_service.app import build_runtime, create_app
from handoff_service.config import Settings, replace_settings
from handoff_service.models import Agent, Delivery, DeliveryStatus, Message, Sender
from handoff_service.runtime import Runtime
from handoff_service.services import claims, tickets
from handoff_service.services.tickets import TicketDraft

from .fake_rasa import FakeRasa
from .helpers import agent_headers, make_agent, service_headers

CONVERSATION = "conv/with spaces?&"  # must survive URL quoting


@pytest.fixture
def fake_rasa() -> Iterator[FakeRasa]:
    with FakeRasa(token="rasa-secret") as fake:
        yield fake


@pytest.fixture
def outbox_runtime(fresh_db_url: str, settings: Settings, fake_rasa: FakeRasa) -> Iterator[Runtime]:
    settings = replace_settings(
        settings,
        database_url=fresh_db_url,
        rasa_url=fake_rasa.url,
        rasa_token="rasa-secret",
        outbox_backoff_base_seconds=0.05,
        outbox_backoff_max_seconds=0.2,
        outbox_poll_seconds=0.05,
    )
    runtime = build_runtime(settings)
    yield runtime
    assert runtime.engine is not None
    runtime.engine.dispose()


def _claimed_ticket(runtime: Runtime) -> tuple[int, int]:
    with runtime.session() as session:
        agent = make_agent(session, "Sam")
        ticket, _ = tickets.create_ticket(
            session=session, settings=runtime.settings, draft=TicketDraft(conversation_id=CONVERSATION)
        )
        claims.claim_ticket(session=session, settings=runtime.settings, agent_id=agent.id, ticket_id=ticket.id)
        session.commit()
        return agent.id, ticket.id


def _reply(runtime: Runtime, agent_id: int, ticket_id: int, text: str) -> None:
    with runtime.session() as session:
        agent = session.get(Agent, agent_id)
        assert agent is not None
        claims.reply(session=session, agent=agent, ticket_id=ticket_id, text=text)
        session.commit()


def _resolve(runtime: Runtime, agent_id: int, ticket_id: int) -> None:
    with runtime.session() as session:
        agent = session.get(Agent, agent_id)
        assert agent is not None
        claims.resolve_ticket(session=session, settings=runtime.settings, agent=agent, ticket_id=ticket_id)
        session.commit()


def _pending(runtime: Runtime) -> int:
    with runtime.session() as session:
        return len(session.scalars(select(Delivery).where(Delivery.status == DeliveryStatus.pending)).all())


async def _drain(runtime: Runtime, until: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not until():
        assert time.monotonic() < deadline, "outbox did not drain in time"
        await runtime.worker.run_once()
        await asyncio.sleep(0.02)


def test_replies_while_rasa_is_down_arrive_later_once_and_in_order(outbox_runtime: Runtime, fake_rasa: FakeRasa) -> None:
    runtime = outbox_runtime
    agent_id, ticket_id = _claimed_ticket(runtime)
    fake_rasa.down = True
    for text in ("first", "second", "third"):
        _reply(runtime, agent_id, ticket_id, text)
    _resolve(runtime, agent_id, ticket_id)

    async def scenario() -> None:
        for _ in range(3):
            await runtime.worker.run_once()
            await asyncio.sleep(0.06)
        assert _pending(runtime) == 5  # three replies, resume, trigger_intent
        attempted = {r["body"]["text"] for r in fake_rasa.requests if isinstance(r["body"], dict) and "text" in r["body"]}
        assert attempted == {"Sam (a person): first"}, "a later message was attempted before the first one got through"
        fake_rasa.down = False
        await _drain(runtime, lambda: _pending(runtime) == 0)
        await runtime.rasa.aclose()

    asyncio.run(scenario())
    tracker = fake_rasa.events(CONVERSATION)
    bots = [e for e in tracker if e["event"] == "bot"]
    # Channels drop metadata, so the text itself names the person who wrote it.
    assert [e["text"] for e in bots] == ["Sam (a person): first", "Sam (a person): second", "Sam (a person): third"]
    assert all(e["metadata"]["from_human"] is True and e["metadata"]["agent_name"] == "Sam" for e in bots)
    assert len({e["metadata"]["heard_delivery_id"] for e in bots}) == 3
    # Resolve: resume, action_listen, then the bot is asked to thank the agent and ask for TNPS.
    assert [e["event"] for e in tracker[3:]] == ["resume", "action", "user"]
    assert tracker[4]["name"] == "action_listen"
    assert tracker[5]["parse_data"] == {"intent": {"name": "EXTERNAL_handoff_resolved"}, "entities": {"agent_name": "Sam"}}
    # What the bot said on its return is kept with the ticket, for customers who poll (REST).
    with runtime.session() as session:
        system = session.scalars(select(Message).where(Message.ticket_id == ticket_id, Message.sender == Sender.system)).all()
        assert "bot reply to EXTERNAL_handoff_resolved" in [m.text for m in system]
    sent = [r for r in fake_rasa.requests if r["method"] == "POST" and not fake_rasa.down]
    assert all(r["query"]["output_channel"] == "latest" and r["query"]["token"] == "rasa-secret" for r in sent)
    # Bot events must be sent to the customer's channel, not only stored.
    assert all(r["query"].get("execute_side_effects") == "true" for r in sent if r["action"] == "tracker/events")


def test_a_reply_that_reached_rasa_is_not_sent_twice(outbox_runtime: Runtime, fake_rasa: FakeRasa) -> None:
    runtime = outbox_runtime
    agent_id, ticket_id = _claimed_ticket(runtime)
    fake_rasa.accept_then_fail = 1  # Rasa stores the event, but the worker sees a 503
    _reply(runtime, agent_id, ticket_id, "only once please")
    _reply(runtime, agent_id, ticket_id, "and then this")

    async def scenario() -> None:
        await _drain(runtime, lambda: _pending(runtime) == 0)
        await runtime.rasa.aclose()

    asyncio.run(scenario())
    assert [e["text"] for e in fake_rasa.events(CONVERSATION, "bot")] == ["Sam (a person): only once please",
                                                                     "Sam (a person): and then this"]
    assert any(r["method"] == "GET" and r["action"] == "tracker" for r in fake_rasa.requests)
    with runtime.session() as session:
        rows = session.scalars(select(Delivery).order_by(Delivery.id)).all()
        assert [(r.status, r.attempts) for r in rows] == [(DeliveryStatus.delivered, 2), (DeliveryStatus.delivered, 1)]


def test_an_intent_rasa_does_not_know_fails_without_blocking(outbox_runtime: Runtime, fake_rasa: FakeRasa) -> None:
    runtime = _reconfigure(outbox_runtime, resolved_intent="EXTERNAL_not_in_domain")
    agent_id, ticket_id = _claimed_ticket(runtime)
    _resolve(runtime, agent_id, ticket_id)

    async def scenario() -> None:
        await _drain(runtime, lambda: _pending(runtime) == 0)
        await runtime.rasa.aclose()

    asyncio.run(scenario())
    with runtime.session() as session:
        rows = session.scalars(select(Delivery).order_by(Delivery.id)).all()
        assert [(r.kind.value, r.status, r.attempts) for r in rows] == [
            ("resume", DeliveryStatus.delivered, 1),
            ("trigger_intent", DeliveryStatus.failed, 1),
        ]
        assert "404" in (rows[1].last_error or "")


def _reconfigure(runtime: Runtime, **changes: object) -> Runtime:
    runtime.settings = replace_settings(runtime.settings, **changes)  # type: ignore[arg-type]
    runtime.worker._settings = runtime.settings  # noqa: SLF001 - test-only reconfiguration
    return runtime


def test_running_app_delivers_a_reply_by_itself(outbox_runtime: Runtime, fake_rasa: FakeRasa) -> None:
    runtime = _reconfigure(outbox_runtime, run_background_tasks=True, outbox_poll_seconds=5.0)
    with runtime.session() as session:
        agent = make_agent(session, "Sam")
        session.commit()
    with TestClient(create_app(runtime.settings, runtime=runtime)) as client:
        ticket = client.post("/api/v1/tickets", json={"conversation_id": "live"}, headers=service_headers()).json()
        headers = agent_headers(runtime, agent)
        assert client.post(f"/api/v1/tickets/{ticket['id']}/claim", headers=headers).status_code == 200
        started = time.monotonic()
        client.post(f"/api/v1/tickets/{ticket['id']}/replies", json={"text": "Hello from Sam"}, headers=headers)
        while not fake_rasa.events("live", "bot") and time.monotonic() - started < 4:
            time.sleep(0.02)
    # Woken by the commit, not by the 5 s poll.
    assert [e["text"] for e in fake_rasa.events("live", "bot")] == ["Sam (a person): Hello from Sam"]
    assert time.monotonic() - started < 4
