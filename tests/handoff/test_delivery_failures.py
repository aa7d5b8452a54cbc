"""Failures are visible and recoverable: the outbox's retry cap and back-off, a resume that never gives up,
failed deliveries on the ticket API and console with a retry, and the timeout on every call to Rasa."""
from __future__ import annotations

import asyncio
import socket
import threading
import time
from datetime import timedelta

import httpx
import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from handoff_service.config import SETTINGS, Settings, replace_settings
from handoff_service.models import Delivery, DeliveryKind, DeliveryStatus, utcnow
from handoff_service.outbox import retry_decision
from handoff_service.rasa_client import RasaClient, RasaError
from handoff_service.runtime import Runtime
from handoff_service.services import claims, deliveries

from .fake_rasa import FakeRasa
from .helpers import agent_headers, make_agent
from .test_outbox import (  # noqa: F401 (fixtures)
    CONVERSATION,
    _claimed_ticket,
    _drain,
    _pending,
    _reconfigure,
    _reply,
    _resolve,
    fake_rasa,
    outbox_runtime,
)
from .test_ticket_services import new_ticket

RETRYABLE = RasaError("Rasa unreachable", retryable=True)
NOT_RETRYABLE = RasaError("Rasa answered 404", retryable=False)


def _row(kind: DeliveryKind = DeliveryKind.bot_message, attempts_before_retry: int = 0) -> Delivery:
    return Delivery(kind=kind, payload={}, conversation_id="c", attempts_before_retry=attempts_before_retry)


# ---- the retry rule, pinned at the defaults ---------------------------------------------------------
@pytest.mark.parametrize(("attempt", "give_up"), [(49, False), (50, True), (51, True)])
def test_a_message_gives_up_at_the_fiftieth_attempt(attempt: int, give_up: bool) -> None:
    assert retry_decision(_row(), attempt, RETRYABLE, SETTINGS).give_up is give_up


@pytest.mark.parametrize(("attempt", "delay"), [(1, 1.0), (2, 2.0), (3, 4.0), (9, 256.0), (10, 300.0), (11, 300.0)])
def test_back_off_doubles_from_one_second_up_to_five_minutes(attempt: int, delay: float) -> None:
    assert retry_decision(_row(), attempt, RETRYABLE, SETTINGS).delay_seconds == delay


def test_a_refusal_gives_up_at_once() -> None:
    assert retry_decision(_row(), 1, NOT_RETRYABLE, SETTINGS).give_up is True


@pytest.mark.parametrize("attempt", [1, 49, 50, 51, 10_000])
@pytest.mark.parametrize("error", [RETRYABLE, NOT_RETRYABLE])
def test_a_resume_never_gives_up(attempt: int, error: RasaError) -> None:
    decision = retry_decision(_row(DeliveryKind.resume), attempt, error, SETTINGS)
    assert decision.give_up is False
    assert decision.delay_seconds == (1.0 if attempt == 1 else 300.0)


@pytest.mark.parametrize(("attempt", "give_up", "delay"), [(51, False, 1.0), (99, False, 300.0), (100, True, 300.0)])
def test_an_agents_retry_starts_a_fresh_budget(attempt: int, give_up: bool, delay: float) -> None:
    decision = retry_decision(_row(attempts_before_retry=50), attempt, RETRYABLE, SETTINGS)
    assert (decision.give_up, decision.delay_seconds) == (give_up, delay)


@given(st.integers(min_value=1, max_value=10**9), st.integers(min_value=0, max_value=10**9),
       st.sampled_from(list(DeliveryKind)))
def test_back_off_stays_within_base_and_cap(attempt: int, before: int, kind: DeliveryKind) -> None:
    before = min(before, attempt - 1)
    delay = retry_decision(_row(kind, before), attempt, RETRYABLE, SETTINGS).delay_seconds
    following = retry_decision(_row(kind, before), attempt + 1, RETRYABLE, SETTINGS).delay_seconds
    assert SETTINGS.outbox_backoff_base_seconds <= delay <= following <= SETTINGS.outbox_backoff_max_seconds


# ---- failures on the ticket API ----------------------------------------------------------------------
def _failed_reply(session: Session, settings: Settings) -> tuple[int, int, object]:
    ticket = new_ticket(session, settings, "conv-delivery-failed")
    agent = make_agent(session, "Sam")
    claims.claim_ticket(session=session, settings=settings, agent_id=agent.id, ticket_id=ticket.id)
    claims.reply(session=session, agent=agent, ticket_id=ticket.id, text="Your claim is approved")
    row = session.scalars(select(Delivery).where(Delivery.ticket_id == ticket.id)).one()
    row.attempts = 50
    session.flush()
    deliveries.mark_retry(session=session, delivery_id=row.id, error="Rasa answered 500: boom",
                          retry_at=utcnow(), give_up=True)
    session.commit()
    return ticket.id, row.id, agent


def test_a_failed_reply_is_shown_and_can_be_retried(client: TestClient, runtime: Runtime, session: Session,
                                                     settings: Settings) -> None:
    ticket_id, delivery_id, agent = _failed_reply(session, settings)
    headers = agent_headers(runtime, agent)  # type: ignore[arg-type]
    problems = client.get(f"/api/v1/tickets/{ticket_id}", headers=headers).json()["delivery_problems"]
    assert [(p["id"], p["state"], p["text"], p["attempts"], p["last_error"]) for p in problems] == [
        (delivery_id, "failed", "Your claim is approved", 50, "Rasa answered 500: boom")]
    assert problems[0]["next_attempt_at"] is None

    retried = client.post(f"/api/v1/tickets/{ticket_id}/deliveries/{delivery_id}/retry", headers=headers)
    assert retried.status_code == 200
    assert retried.json()["state"] == "retrying"
    session.expire_all()
    row = session.get(Delivery, delivery_id)
    assert row is not None
    assert (row.status, row.attempts, row.attempts_before_retry) == (DeliveryStatus.pending, 50, 50)
    assert row.next_attempt_at <= utcnow()
    # Still listed (with its last error) until it gets through, but only a failed row can be retried.
    shown = client.get(f"/api/v1/tickets/{ticket_id}", headers=headers).json()["delivery_problems"]
    assert [(p["id"], p["state"]) for p in shown] == [(delivery_id, "retrying")]
    again = client.post(f"/api/v1/tickets/{ticket_id}/deliveries/{delivery_id}/retry", headers=headers)
    assert again.status_code == 409


def test_retry_is_refused_for_another_tickets_delivery_and_without_a_token(
        client: TestClient, runtime: Runtime, session: Session, settings: Settings) -> None:
    ticket_id, delivery_id, agent = _failed_reply(session, settings)
    other = new_ticket(session, settings, "conv-delivery-other")
    session.commit()
    headers = agent_headers(runtime, agent)  # type: ignore[arg-type]
    assert client.post(f"/api/v1/tickets/{other.id}/deliveries/{delivery_id}/retry", headers=headers).status_code == 404
    assert client.post(f"/api/v1/tickets/{ticket_id}/deliveries/{delivery_id + 1000}/retry",
                       headers=headers).status_code == 404
    assert client.post(f"/api/v1/tickets/{ticket_id}/deliveries/{delivery_id}/retry").status_code == 401


def test_a_delivered_row_is_not_a_problem(session: Session, settings: Settings) -> None:
    ticket_id, delivery_id, _agent = _failed_reply(session, settings)
    deliveries.retry_delivery(session=session, ticket_id=ticket_id, delivery_id=delivery_id)
    deliveries.mark_delivered(session=session, delivery_id=delivery_id)
    session.commit()
    assert deliveries.delivery_problems(session=session, ticket_id=ticket_id) == []


# ---- the worker: failures, retries and a resume that outlasts the cap (real commits, fake Rasa) -----
def test_an_unknown_intent_fails_is_shown_and_goes_through_when_retried(outbox_runtime: Runtime,
                                                                        fake_rasa: FakeRasa) -> None:
    runtime = _reconfigure(outbox_runtime, resolved_intent="EXTERNAL_later_known")
    agent_id, ticket_id = _claimed_ticket(runtime)
    _resolve(runtime, agent_id, ticket_id)

    async def until_settled() -> None:
        await _drain(runtime, lambda: _problems(runtime, ticket_id) == [("trigger_intent", DeliveryStatus.failed)])

    asyncio.run(until_settled())
    fake_rasa.known_intents.add("EXTERNAL_later_known")
    with runtime.session() as session:
        failed = deliveries.delivery_problems(session=session, ticket_id=ticket_id)[0]
        deliveries.retry_delivery(session=session, ticket_id=ticket_id, delivery_id=failed.id)
        session.commit()

    async def until_delivered() -> None:
        await _drain(runtime, lambda: _problems(runtime, ticket_id) == [])
        await runtime.rasa.aclose()

    asyncio.run(until_delivered())
    intents = [e["parse_data"]["intent"]["name"] for e in fake_rasa.events(CONVERSATION, "user")]
    assert intents == ["EXTERNAL_later_known"]


def _problems(runtime: Runtime, ticket_id: int) -> list[tuple[str, DeliveryStatus]]:
    with runtime.session() as session:
        return [(d.kind.value, d.status) for d in deliveries.delivery_problems(session=session, ticket_id=ticket_id)]


def test_a_resume_keeps_trying_past_the_cap_and_the_bot_gets_the_conversation_back(
        outbox_runtime: Runtime, fake_rasa: FakeRasa) -> None:
    runtime = _reconfigure(outbox_runtime, outbox_max_attempts=2, outbox_backoff_base_seconds=0.01,
                           outbox_backoff_max_seconds=0.02)
    agent_id, ticket_id = _claimed_ticket(runtime)
    _reply(runtime, agent_id, ticket_id, "Sorted, have a good day")
    _resolve(runtime, agent_id, ticket_id)
    fake_rasa.down = True

    def resume_attempts() -> int:
        with runtime.session() as session:
            return session.scalars(select(Delivery.attempts).where(Delivery.kind == DeliveryKind.resume)).one()

    async def while_down() -> None:
        await _drain(runtime, lambda: resume_attempts() >= 5)

    # The reply gives up at the cap (2); the resume after it does not, and the follow-up waits behind it.
    asyncio.run(while_down())
    assert _problems(runtime, ticket_id) == [("bot_message", DeliveryStatus.failed), ("resume", DeliveryStatus.pending)]
    assert not any(r["action"] == "trigger_intent" for r in fake_rasa.requests)
    fake_rasa.down = False

    async def after_recovery() -> None:
        await _drain(runtime, lambda: _pending(runtime) == 0)
        await runtime.rasa.aclose()

    asyncio.run(after_recovery())
    assert [e["event"] for e in fake_rasa.events(CONVERSATION)] == ["resume", "action", "user"]
    assert _problems(runtime, ticket_id) == [("bot_message", DeliveryStatus.failed)]


# ---- the timeout on calls to Rasa ---------------------------------------------------------------------
def test_calls_to_rasa_time_out_after_five_seconds_by_default(runtime: Runtime) -> None:
    assert SETTINGS.rasa_timeout_seconds == 5.0
    assert runtime.rasa._client.timeout == httpx.Timeout(runtime.settings.rasa_timeout_seconds)  # noqa: SLF001


def test_a_rasa_that_never_answers_is_a_retryable_failure_after_the_timeout() -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    accepted: list[socket.socket] = []
    threading.Thread(target=lambda: accepted.append(listener.accept()[0]), daemon=True).start()
    client = RasaClient(f"http://127.0.0.1:{listener.getsockname()[1]}", "", 0.3)

    async def call() -> RasaError:
        try:
            with pytest.raises(RasaError) as caught:
                await client.append_events("c", {"event": "bot", "text": "hi"})
            return caught.value
        finally:
            await client.aclose()

    started = time.monotonic()
    error = asyncio.run(call())
    assert error.retryable and "ReadTimeout" in str(error)
    assert time.monotonic() - started < 5.0  # it gave up on its own, long before any default would
    for conn in accepted:
        conn.close()
    listener.close()


def test_the_lease_outlasts_the_calls_one_delivery_makes() -> None:
    from handoff_service.outbox import LEASE_SECONDS

    # Two calls (tracker read + send) at the longest allowed timeout still end inside the lease,
    # so a second worker never takes a row that is still being sent.
    assert LEASE_SECONDS == 60.0
    longest = Settings.model_fields["rasa_timeout_seconds"].metadata
    limit = next(m.le for m in longest if getattr(m, "le", None) is not None)
    assert 2 * limit < LEASE_SECONDS
    with pytest.raises(Exception, match="rasa_timeout_seconds"):
        replace_settings(SETTINGS, rasa_timeout_seconds=limit + 1)
    assert replace_settings(SETTINGS, rasa_timeout_seconds=limit).rasa_timeout_seconds == limit


def test_due_time_is_now_after_retry(session: Session, settings: Settings) -> None:
    ticket_id, delivery_id, _agent = _failed_reply(session, settings)
    later = utcnow() + timedelta(hours=1)
    session.execute(Delivery.__table__.update().where(Delivery.id == delivery_id).values(next_attempt_at=later))
    moment = utcnow()
    row = deliveries.retry_delivery(session=session, ticket_id=ticket_id, delivery_id=delivery_id, now=moment)
    assert row.next_attempt_at == moment
