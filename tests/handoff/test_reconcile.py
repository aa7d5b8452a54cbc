"""The reconciler (handoff_service/reconcile.py): a customer message that is in Rasa's tracker but never reached the
ticket (the relay's retry died with its Rasa replica) is imported once, in order, from every replica safely.

Rasa is the fake HTTP server the outbox tests use (tests/handoff/fake_rasa.py); the database is real, SQLite and
PostgreSQL."""
from __future__ import annotations

import asyncio
import logging
import threading
import time
import uuid
from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from handoff_service.app import build_runtime, create_app
from handoff_service.config import SETTINGS, Settings, replace_settings
from handoff_service.events import Event, InProcessEventBus
from handoff_service.models import Message, Priority, Sender, Ticket
from handoff_service.reconcile import Reconciler, message_external_id, messages_since_handover
from handoff_service.runtime import Runtime
from handoff_service.services import claims, tickets
from handoff_service.services.tickets import TicketDraft

from .fake_rasa import FakeRasa
from .helpers import make_agent, service_headers


class RecordingBus(InProcessEventBus):
    """The in-process bus, keeping what was published (what consoles would hear)."""

    def __init__(self) -> None:
        super().__init__()
        self.events: list[Event] = []

    def publish(self, event: Event) -> None:
        self.events.append(event)
        super().publish(event)


def user(text: str, at: float, *, band: str | None = None, message_id: str | None = None, **extra) -> dict:
    emotion = {"available": True, "intensity": 0.4, "dominant": "sadness", "band": band or "upset"}
    return {"event": "user", "text": text, "timestamp": at, "message_id": message_id or uuid.uuid4().hex,
            "parse_data": {"intent": {"name": "inform", "confidence": 0.9}, "emotion": emotion}, **extra}


def handed_over(conversation: list[dict], *messages: dict, start: float | None = None) -> list[dict]:
    """A tracker: what came before, the handover (pause), then ``messages``."""
    start = start if start is not None else time.time() - 3600
    return [*conversation, {"event": "bot", "text": "A colleague will be with you shortly.", "timestamp": start},
            {"event": "pause", "timestamp": start}, *messages]


@pytest.fixture
def fake() -> Iterator[FakeRasa]:
    with FakeRasa() as rasa:
        yield rasa


def _settings(settings: Settings, fake: FakeRasa, **changes) -> Settings:
    return replace_settings(settings, **{"rasa_url": fake.url, "reconcile_after_seconds": 0, **changes})


@pytest.fixture
def bus() -> RecordingBus:
    return RecordingBus()


@pytest.fixture
def rt(settings: Settings, fake: FakeRasa, session_factory: sessionmaker[Session], bus: RecordingBus) -> Runtime:
    return build_runtime(_settings(settings, fake), session_factory=session_factory, bus=bus)


def open_ticket(runtime: Runtime, conversation_id: str | None = None, *, claimed: bool = False) -> tuple[int, str]:
    conversation_id = conversation_id or f"rest:reconcile-{uuid.uuid4().hex[:8]}"
    with runtime.session() as session:
        ticket, _ = tickets.create_ticket(session=session, settings=runtime.settings,
                                          draft=TicketDraft(conversation_id=conversation_id))
        if claimed:
            agent = make_agent(session, "Sam")
            claims.claim_ticket(session=session, settings=runtime.settings, agent_id=agent.id, ticket_id=ticket.id)
        session.commit()
        return ticket.id, conversation_id


def customer_messages(runtime: Runtime, ticket_id: int) -> list[Message]:
    with runtime.session() as session:
        return list(session.scalars(select(Message).where(Message.ticket_id == ticket_id,
                                                          Message.sender == Sender.customer).order_by(Message.id)))


def sweep(runtime: Runtime, reconciler: Reconciler | None = None):  # noqa: ANN201
    return asyncio.run((reconciler or Reconciler(runtime)).sweep())


def test_a_message_in_the_tracker_and_missing_from_the_ticket_is_imported_once(rt: Runtime, fake: FakeRasa,
                                                                                bus: RecordingBus) -> None:
    ticket_id, conversation = open_ticket(rt, claimed=True)
    lost = user("my claim is CLM-20260114", time.time() - 60, band="distressed")
    fake.trackers[conversation] = handed_over([], lost)
    reconciler = Reconciler(rt)
    assert sweep(rt, reconciler).imported == 1
    assert sweep(rt, reconciler).imported == 0  # the next sweep finds it there
    [message] = customer_messages(rt, ticket_id)
    assert (message.text, message.external_id) == ("my claim is CLM-20260114", lost["message_id"])
    assert (message.intensity, message.emotion, message.band) == (0.4, "sadness", "distressed")
    live = [e for e in bus.events if e.type == "ticket.message"]
    assert [e.data["message"]["text"] for e in live] == ["my claim is CLM-20260114"]  # consoles hear it once


def test_the_message_id_is_the_relays() -> None:
    """The relay (actions/turn.py, another runtime) and the reconciler must name a message alike, or both import it."""
    from actions.turn import _external_id

    tracker = SimpleNamespace(sender_id="rest:abc")
    for event in ({"message_id": "5d0f", "timestamp": 1764670000.25}, {"message_id": None, "timestamp": 1764670000.25},
                  {"timestamp": 1764670000.0}):
        assert message_external_id("rest:abc", event) == _external_id(tracker, event)  # type: ignore[arg-type]


def _relay(client: TestClient, conversation: str, event: dict) -> int:
    """What the action server's outbox posts for one relayed message (actions/handoff/client.py)."""
    response = client.post(f"/api/v1/conversations/{conversation}/messages", headers=service_headers(),
                           json={"text": event["text"], "external_id": event["message_id"]})
    return response.status_code


def test_relay_then_reconciler_and_the_reverse_store_each_message_once(rt: Runtime, fake: FakeRasa) -> None:
    ticket_id, conversation = open_ticket(rt)
    first, second = user("first", time.time() - 90), user("second", time.time() - 80)
    fake.trackers[conversation] = handed_over([], first, second)
    with TestClient(create_app(rt.settings, runtime=rt)) as client:
        assert _relay(client, conversation, first) == 201  # the relay got there first
        assert sweep(rt).imported == 1  # only the one it lost
        assert _relay(client, conversation, second) == 200  # a late relay retry: already stored, not duplicated
    assert [m.text for m in customer_messages(rt, ticket_id)] == ["first", "second"]


def test_several_lost_messages_are_imported_in_the_trackers_order(rt: Runtime, fake: FakeRasa) -> None:
    ticket_id, conversation = open_ticket(rt, claimed=True)
    now = time.time()
    written = [user(text, now - 100 + i) for i, text in enumerate(["one", "two", "three", "four"])]
    # Listed out of order (two replicas' writes may interleave): the timestamps are what the customer did.
    fake.trackers[conversation] = handed_over([], written[1], written[0], written[3], written[2])
    sweep(rt)
    assert [m.text for m in customer_messages(rt, ticket_id)] == ["one", "two", "three", "four"]


def test_before_the_handover_bot_lines_commands_and_the_bots_turns_after_it_are_not_imported(
        rt: Runtime, fake: FakeRasa) -> None:
    ticket_id, conversation = open_ticket(rt)
    now = time.time()
    fake.trackers[conversation] = [
        user("I need to speak to a person", now - 500),  # before the handover: in the ticket's transcript already
        {"event": "bot", "text": "A colleague will be with you shortly.", "timestamp": now - 400},
        {"event": "pause", "timestamp": now - 400},
        user("waiting here", now - 300),
        {"event": "bot", "text": "Sam (a person): hello", "timestamp": now - 290},
        user("EXTERNAL: EXTERNAL_handoff_resolved", now - 280, metadata={"is_external": True}),
        user("", now - 270),  # an empty text (a button with no title) says nothing to a person
    ]
    sweep(rt)
    assert [m.text for m in customer_messages(rt, ticket_id)] == ["waiting here"]

    # Handed back to the bot (resume) and not handed over again: nothing after it belongs to the person.
    other_id, other = open_ticket(rt)
    fake.trackers[other] = [*handed_over([], start=now - 400), {"event": "resume", "timestamp": now - 350},
                            user("thanks bot", now - 300)]
    sweep(rt)
    assert customer_messages(rt, other_id) == []
    assert messages_since_handover([user("no handover", now)]) == []


def test_messages_younger_than_the_settle_time_are_left_to_the_relay(settings: Settings, fake: FakeRasa,
                                                                     session_factory: sessionmaker[Session]) -> None:
    runtime = build_runtime(_settings(settings, fake, reconcile_after_seconds=30), session_factory=session_factory)
    ticket_id, conversation = open_ticket(runtime)
    now = time.time()
    fake.trackers[conversation] = handed_over([], user("older", now - 31), user("at the limit", now - 29.5),
                                              user("just now", now - 1))
    sweep(runtime)
    assert [m.text for m in customer_messages(runtime, ticket_id)] == ["older"]  # 29.5 s old: still the relay's


def test_a_message_the_relay_could_not_store_is_skipped_with_one_warning(
        rt: Runtime, fake: FakeRasa, caplog: pytest.LogCaptureFixture) -> None:
    ticket_id, conversation = open_ticket(rt)
    fake.trackers[conversation] = handed_over([], user("nul \x00 inside", time.time() - 70),
                                              user("after it", time.time() - 60))
    reconciler = Reconciler(rt)
    with caplog.at_level(logging.WARNING, logger="handoff_service.reconcile"):
        sweep(rt, reconciler)
        sweep(rt, reconciler)
    assert [m.text for m in customer_messages(rt, ticket_id)] == ["after it"]
    assert len(caplog.records) == 1  # not one per sweep


def test_a_closed_ticket_is_not_read_nor_written(rt: Runtime, fake: FakeRasa) -> None:
    ticket_id, conversation = open_ticket(rt, claimed=True)
    with rt.session() as session:
        tickets.abandon_ticket(session=session, settings=rt.settings, ticket=tickets.get_ticket(session=session,
                                                                                                ticket_id=ticket_id))
        session.commit()
    fake.trackers[conversation] = handed_over([], user("too late", time.time() - 60))
    assert sweep(rt).checked == 0
    assert not [r for r in fake.requests if r["conversation_id"] == conversation and r["action"] == "tracker"]
    assert customer_messages(rt, ticket_id) == []


def test_a_waiting_customer_at_risk_moves_to_the_front(rt: Runtime, fake: FakeRasa, bus: RecordingBus) -> None:
    ticket_id, conversation = open_ticket(rt)
    fake.trackers[conversation] = handed_over([], user("I can't go on like this", time.time() - 60, band="at_risk"))
    sweep(rt)
    with rt.session() as session:
        ticket = session.get(Ticket, ticket_id)
        assert ticket is not None and ticket.priority == Priority.urgent
        # No words of its own to the customer: crisis lines are the bot's (sent by the relay when it comes).
        assert not session.scalars(select(Message).where(Message.ticket_id == ticket_id,
                                                         Message.sender == Sender.system)).all()
    assert any(e.type == "ticket.status" for e in bus.events)


def test_the_relay_after_an_import_still_sends_the_crisis_lines_once(rt: Runtime, fake: FakeRasa) -> None:
    """The reconciler stored an at-risk message first (it writes no words to customers); the relay coming later finds
    it stored, and still owes the customer the crisis lines — once, however often the relay is retried."""
    ticket_id, conversation = open_ticket(rt)
    lost = user("I can't go on like this", time.time() - 60, band="at_risk")
    fake.trackers[conversation] = handed_over([], lost)
    sweep(rt)
    notice = "If you're in danger now, call 999. Samaritans: 116 123."
    body = {"text": lost["text"], "external_id": lost["message_id"], "urgent_notice": notice}
    with TestClient(create_app(rt.settings, runtime=rt)) as client:
        for _retry in range(3):
            response = client.post(f"/api/v1/conversations/{conversation}/messages", headers=service_headers(),
                                   json=body)
            assert response.status_code == 200  # stored already: never twice
    with rt.session() as session:
        sent = session.scalars(select(Message.text).where(Message.ticket_id == ticket_id,
                                                          Message.sender == Sender.system)).all()
    assert sent == [notice]
    assert [m.text for m in customer_messages(rt, ticket_id)] == [lost["text"]]


def test_rasa_down_costs_one_request_and_one_warning_then_the_next_sweep_imports(
        rt: Runtime, fake: FakeRasa, caplog: pytest.LogCaptureFixture) -> None:
    opened = [open_ticket(rt) for _ in range(3)]
    for _ticket_id, conversation in opened:
        fake.trackers[conversation] = handed_over([], user("hello?", time.time() - 60))
    reconciler = Reconciler(rt)
    fake.down = True
    interval = rt.settings.reconcile_interval_seconds
    delays = []
    with caplog.at_level(logging.INFO, logger="handoff_service.reconcile"):
        for _ in range(3):
            report = sweep(rt, reconciler)
            assert report.rasa_unreachable and report.checked == 0
            delays.append(reconciler.next_delay())
        assert len([r for r in fake.requests if r["action"] == "tracker"]) == 3  # one per sweep, not per ticket
        warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
        assert len(warnings) == 1 and "Rasa unreachable" in warnings[0].getMessage()
        assert delays == [2 * interval, 4 * interval, 8 * interval]
        fake.down = False
        assert sweep(rt, reconciler).imported == 3  # retried at the next sweep, from where it stopped
        assert reconciler.next_delay() == interval
        assert any("reachable again" in r.getMessage() for r in caplog.records)
    assert all(len(customer_messages(rt, ticket_id)) == 1 for ticket_id, _ in opened)


def test_refused_reads_are_one_warning_per_sweep_and_the_other_tickets_are_still_read(
        rt: Runtime, fake: FakeRasa, caplog: pytest.LogCaptureFixture) -> None:
    opened = [open_ticket(rt) for _ in range(3)]
    for _ticket_id, conversation in opened:
        fake.trackers[conversation] = handed_over([], user("hello?", time.time() - 60))
    fake.token = "a token the service does not have"  # every read answered 401
    with caplog.at_level(logging.WARNING, logger="handoff_service.reconcile"):
        report = sweep(rt)
    assert (report.refused, report.checked, report.rasa_unreachable) == (3, 0, False)
    assert len([r for r in fake.requests if r["action"] == "tracker"]) == 3  # a refusal does not stop the sweep
    assert len(caplog.records) == 1 and "refused 3 tracker read(s)" in caplog.records[0].getMessage()


def test_the_back_off_is_capped(rt: Runtime) -> None:
    reconciler = Reconciler(rt)
    cap = rt.settings.reconcile_backoff_max_seconds
    reconciler._failures = 3  # 10 s * 8 = 80 s: under the cap
    assert reconciler.next_delay() == 80.0 < cap
    reconciler._failures = 4  # 160 s: capped
    assert reconciler.next_delay() == cap
    reconciler._failures = 10_000  # never overflows
    assert reconciler.next_delay() == cap


def test_defaults_are_pinned() -> None:
    assert SETTINGS.reconcile_interval_seconds == 10.0
    assert SETTINGS.reconcile_max_tickets == 50
    assert SETTINGS.reconcile_after_seconds == 30.0
    assert SETTINGS.reconcile_backoff_max_seconds == 120.0


def test_a_sweep_reads_at_most_the_cap_and_the_next_carries_on(settings: Settings, fake: FakeRasa,
                                                               session_factory: sessionmaker[Session]) -> None:
    runtime = build_runtime(_settings(settings, fake, reconcile_max_tickets=2), session_factory=session_factory)
    opened = [open_ticket(runtime) for _ in range(3)]
    for _ticket_id, conversation in opened:
        fake.trackers[conversation] = handed_over([], user("hello?", time.time() - 60))
    reconciler = Reconciler(runtime)

    def read() -> list[str]:
        before = len(fake.requests)
        sweep(runtime, reconciler)
        return [r["conversation_id"] for r in fake.requests[before:] if r["action"] == "tracker"]

    conversations = [c for _t, c in opened]
    assert read() == conversations[:2]
    assert read() == [conversations[2], conversations[0]]  # the rest, then round again
    assert all(len(customer_messages(runtime, ticket_id)) == 1 for ticket_id, _ in opened)


# --- two replicas, one database (real commits) -------------------------------------------------------------------

@pytest.fixture
def two_replicas(fresh_db_url: str, settings: Settings, fake: FakeRasa) -> Iterator[tuple[Runtime, Runtime]]:
    changed = _settings(settings, fake, database_url=fresh_db_url)
    first, second = build_runtime(changed), build_runtime(changed)
    yield first, second
    for runtime in (first, second):
        assert runtime.engine is not None
        runtime.engine.dispose()


def _at_once(*coroutines) -> list:  # noqa: ANN002
    """Each coroutine in an event loop of its own thread, started together, as in two processes."""
    results: list = [None] * len(coroutines)
    barrier = threading.Barrier(len(coroutines))

    def run(index: int, coroutine) -> None:  # noqa: ANN001
        barrier.wait()
        results[index] = asyncio.run(coroutine)

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(coroutines)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def test_two_replicas_sweeping_at_once_import_each_message_once_and_in_order(
        two_replicas: tuple[Runtime, Runtime], fake: FakeRasa) -> None:
    first, second = two_replicas
    now = time.time()
    opened = [open_ticket(first) for _ in range(4)]
    for _ticket_id, conversation in opened:
        fake.trackers[conversation] = handed_over([], *(user(f"line {i}", now - 60 + i) for i in range(5)))
    for _round in range(3):
        reports = _at_once(Reconciler(first).sweep(), Reconciler(second).sweep())
        assert all(report is not None for report in reports)
    for ticket_id, _conversation in opened:
        assert [m.text for m in customer_messages(first, ticket_id)] == [f"line {i}" for i in range(5)]


def test_the_lease_lets_one_replica_sweep_per_interval(two_replicas: tuple[Runtime, Runtime], fake: FakeRasa) -> None:
    first, second = two_replicas
    ticket_id, conversation = open_ticket(first)
    fake.trackers[conversation] = handed_over([], user("hello?", time.time() - 60))
    reports = _at_once(Reconciler(first).run_if_due(), Reconciler(second).run_if_due())
    assert sorted(report is None for report in reports) == [False, True]  # one swept, the other had no lease
    assert len([r for r in fake.requests if r["action"] == "tracker"]) == 1
    assert [m.text for m in customer_messages(first, ticket_id)] == ["hello?"]


def test_the_service_runs_the_reconciler_in_the_background(fresh_db_url: str, settings: Settings,
                                                           fake: FakeRasa) -> None:
    runtime = build_runtime(_settings(settings, fake, database_url=fresh_db_url, run_background_tasks=True,
                                      reconcile_interval_seconds=0.2))
    ticket_id, conversation = open_ticket(runtime)
    fake.trackers[conversation] = handed_over([], user("anyone there?", time.time() - 60))
    try:
        with TestClient(create_app(runtime.settings, runtime=runtime)):
            deadline = time.monotonic() + 20
            while not customer_messages(runtime, ticket_id) and time.monotonic() < deadline:
                time.sleep(0.1)
            assert [m.text for m in customer_messages(runtime, ticket_id)] == ["anyone there?"]
    finally:
        assert runtime.engine is not None
        runtime.engine.dispose()
