"""Data care (issue #19): retention removes what it must after its days and nothing else; erasure of one
customer reaches the tracker store, tickets, surveys and both outboxes, and leaves a record without personal data."""
from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, insert, select
from sqlalchemy.orm import Session

from handoff_service import cli
from handoff_service.config import Settings, replace_settings
from handoff_service.erasure import ErasureRequest, ErasureRequestInvalid, erase_customer
from handoff_service.models import (
    Agent,
    Attachment,
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    ErasureRecord,
    Message,
    Sender,
    Survey,
    Ticket,
    TicketNote,
    TicketStatus,
    utcnow,
)
from handoff_service.other_stores import ACTION_OUTBOX, TRACKER_EVENTS
from handoff_service.retention import run_retention, take_lease
from handoff_service.services.errors import Conflict

NOW = utcnow().replace(microsecond=0)
DAY = timedelta(days=1)


class Stores:
    """A tracker store and an action-server database of their own (SQLite files), shaped like the real ones."""

    def __init__(self, tmp_path: Path) -> None:
        self.tracker_url = f"sqlite:///{tmp_path / 'tracker.db'}"
        self.action_url = f"sqlite:///{tmp_path / 'actions.db'}"
        for url, table in ((self.tracker_url, TRACKER_EVENTS), (self.action_url, ACTION_OUTBOX)):
            engine = create_engine(url)
            table.create(engine)
            engine.dispose()

    def _run(self, url: str, statement):  # noqa: ANN001, ANN202
        engine = create_engine(url)
        with engine.begin() as connection:
            result = connection.execute(statement)
            rows = list(result) if result.returns_rows else None
        engine.dispose()
        return rows

    def add_events(self, sender: str, *, last: datetime, text: str = "hello") -> None:
        data = json.dumps({"event": "user", "text": text})
        engine = create_engine(self.tracker_url)
        with engine.begin() as connection:
            for age in (2 * DAY, DAY, timedelta(0)):
                connection.execute(insert(TRACKER_EVENTS).values(
                    sender_id=sender, type_name="user", timestamp=(last - age).timestamp(), data=data))
        engine.dispose()

    def senders(self) -> set[str]:
        return {row[0] for row in self._run(self.tracker_url, select(TRACKER_EVENTS.c.sender_id).distinct())}

    def add_outbox(self, conversation: str, *, created: datetime, done: bool, payload: dict | None = None) -> None:
        self._run(self.action_url, insert(ACTION_OUTBOX).values(
            conversation_id=conversation, kind="relay", payload=payload or {"text": "hi"},
            created_at=created.replace(tzinfo=None), done_at=created.replace(tzinfo=None) if done else None))

    def outbox(self) -> list[tuple[str, bool]]:
        return [(r[0], r[1] is not None) for r in self._run(
            self.action_url, select(ACTION_OUTBOX.c.conversation_id, ACTION_OUTBOX.c.done_at))]


@pytest.fixture
def stores(tmp_path: Path) -> Stores:
    return Stores(tmp_path)


def _settings(settings: Settings, stores: Stores, **days: int) -> Settings:
    return replace_settings(settings, tracker_store_url=stores.tracker_url, action_database_url=stores.action_url,
                            **{f"retention_{k}_days": v for k, v in days.items()})


def _ticket(session: Session, conversation: str, status: TicketStatus, closed: datetime | None = None,
            **fields: object) -> Ticket:
    ticket = Ticket(conversation_id=conversation, status=status, queue_key=NOW - 100 * DAY,
                    created_at=NOW - 100 * DAY, queued_at=NOW - 100 * DAY, intensity=0.9, dominant_emotion="sadness",
                    trigger_words="my husband died", emotion_timeline=[{"intensity": 0.9}],
                    transcript=[{"sender": "customer", "text": "my husband died", "intensity": 0.9, "emotion": "grief"}],
                    **fields)
    if status == TicketStatus.resolved:
        ticket.resolved_at = closed
    elif status == TicketStatus.abandoned:
        ticket.abandoned_at = closed
    elif status == TicketStatus.expired:
        ticket.expired_at = closed
    session.add(ticket)
    session.flush()
    session.add(Message(ticket_id=ticket.id, sender=Sender.customer, text="my husband died", created_at=NOW))
    session.add(Delivery(conversation_id=conversation, ticket_id=ticket.id, kind=DeliveryKind.bot_message,
                         payload={"text": "Sam: so sorry"}, status=DeliveryStatus.delivered, created_at=NOW))
    session.flush()
    return ticket


def _ids(session: Session, model) -> set[int]:  # noqa: ANN001
    return set(session.scalars(select(model.id)))


def test_closed_tickets_go_after_their_days_and_open_ones_never(session: Session, settings: Settings,
                                                               stores: Stores) -> None:
    old = _ticket(session, "c-old", TicketStatus.resolved, NOW - 30 * DAY - timedelta(seconds=1))
    at_limit = _ticket(session, "c-limit", TicketStatus.abandoned, NOW - 30 * DAY)
    recent = _ticket(session, "c-recent", TicketStatus.expired, NOW - 29 * DAY)
    still_open = _ticket(session, "c-open", TicketStatus.queued)
    survey = Survey(conversation_id="c-old", ticket_id=old.id, score=9, comment="kind", created_at=NOW)
    session.add(survey)
    session.commit()
    counts = run_retention(session=session, settings=_settings(settings, stores, ticket=30), now=NOW)
    assert counts == {"tickets": 1, "messages": 1, "deliveries": 1, "notes": 0, "attachments": 0}
    assert _ids(session, Ticket) >= {at_limit.id, recent.id, still_open.id} and old.id not in _ids(session, Ticket)
    session.refresh(survey)
    assert survey.ticket_id is None and survey.score == 9  # the score stays, the link goes
    assert {m.ticket_id for m in session.scalars(select(Message))} >= {at_limit.id, recent.id, still_open.id}


def test_emotion_scores_are_cleared_sooner(session: Session, settings: Settings, stores: Stores) -> None:
    old = _ticket(session, "e-old", TicketStatus.resolved, NOW - 8 * DAY)
    recent = _ticket(session, "e-recent", TicketStatus.resolved, NOW - 6 * DAY)
    open_ticket = _ticket(session, "e-open", TicketStatus.claimed)
    session.commit()
    settings = _settings(settings, stores, emotion=7)
    assert run_retention(session=session, settings=settings, now=NOW) == {"emotion_cleared": 1}
    assert run_retention(session=session, settings=settings, now=NOW) == {"emotion_cleared": 0}  # idempotent
    for ticket in (old, recent, open_ticket):
        session.refresh(ticket)
    assert (old.emotion_timeline, old.intensity, old.dominant_emotion, old.trigger_words) == ([], None, None, None)
    assert old.transcript == [{"sender": "customer", "text": "my husband died"}]  # words stay, scores go
    assert recent.intensity == 0.9 and open_ticket.trigger_words == "my husband died"


def test_sent_outbox_rows_go_pending_ones_stay(session: Session, settings: Settings, stores: Stores) -> None:
    ticket = _ticket(session, "d-1", TicketStatus.resolved, NOW)
    rows = {}
    for name, status, age in (("old-delivered", DeliveryStatus.delivered, 15), ("old-failed", DeliveryStatus.failed, 15),
                              ("old-pending", DeliveryStatus.pending, 15), ("recent", DeliveryStatus.delivered, 13)):
        row = Delivery(conversation_id="d-1", ticket_id=ticket.id, kind=DeliveryKind.bot_message, payload={"t": name},
                       status=status, created_at=NOW - age * DAY)
        session.add(row)
        rows[name] = row
    session.commit()
    stores.add_outbox("d-1", created=NOW - 15 * DAY, done=True)
    stores.add_outbox("d-1", created=NOW - 15 * DAY, done=False)
    stores.add_outbox("d-2", created=NOW - 13 * DAY, done=True)
    counts = run_retention(session=session, settings=_settings(settings, stores, delivery=14), now=NOW)
    assert counts == {"deliveries": 2, "action_outbox": 1}
    left = {d.payload.get("t") for d in session.scalars(select(Delivery).where(Delivery.conversation_id == "d-1"))}
    assert {"old-pending", "recent"} <= left and not {"old-delivered", "old-failed"} & left
    assert sorted(stores.outbox()) == [("d-1", False), ("d-2", True)]


def test_surveys_keep_their_score_without_comment_or_conversation(session: Session, settings: Settings,
                                                                  stores: Stores) -> None:
    old = Survey(conversation_id="+447700900123", score=3, comment="slow", created_at=NOW - 91 * DAY)
    recent = Survey(conversation_id="s-recent", score=10, comment="great", created_at=NOW - 89 * DAY)
    session.add_all([old, recent])
    session.commit()
    assert run_retention(session=session, settings=_settings(settings, stores, survey=90), now=NOW) == {
        "surveys_anonymised": 1}
    session.refresh(old)
    session.refresh(recent)
    assert (old.score, old.comment, old.conversation_id) == (3, None, f"anonymised-{old.id}")
    assert (recent.comment, recent.conversation_id) == ("great", "s-recent")


def test_idle_conversations_leave_the_tracker_store(session: Session, settings: Settings, stores: Stores) -> None:
    stores.add_events("t-idle", last=NOW - 31 * DAY)
    stores.add_events("t-active", last=NOW - 29 * DAY)  # older events, but the conversation is still going
    stores.add_events("t-waiting", last=NOW - 40 * DAY)
    _ticket(session, "t-waiting", TicketStatus.queued)  # a person is still to answer it
    session.commit()
    counts = run_retention(session=session, settings=_settings(settings, stores, conversation=30), now=NOW)
    assert counts == {"conversations": 1, "tracker_events": 3}
    assert stores.senders() == {"t-active", "t-waiting"}


def test_nothing_is_removed_when_no_retention_is_set(session: Session, settings: Settings, stores: Stores) -> None:
    _ticket(session, "k-1", TicketStatus.resolved, NOW - 3650 * DAY)
    stores.add_events("k-1", last=NOW - 3650 * DAY)
    session.commit()
    assert run_retention(session=session, settings=_settings(settings, stores), now=NOW) == {}
    assert stores.senders() == {"k-1"}


def test_the_daily_job_runs_once_per_interval_across_replicas(session: Session) -> None:
    assert take_lease(session=session, name="retention-test", interval_seconds=3600, now=NOW)
    assert not take_lease(session=session, name="retention-test", interval_seconds=3600, now=NOW)
    assert not take_lease(session=session, name="retention-test", interval_seconds=3600,
                          now=NOW + timedelta(seconds=3599))
    assert take_lease(session=session, name="retention-test", interval_seconds=3600, now=NOW + timedelta(seconds=3600))


# ---- erasure -----------------------------------------------------------------------------------------------

def _customer_everywhere(session: Session, stores: Stores, sender: str, *, slots: dict | None = None) -> Ticket:
    ticket = _ticket(session, sender, TicketStatus.resolved, NOW, slots=slots or {})
    session.add(Survey(conversation_id=sender, ticket_id=ticket.id, score=4, comment="sad", created_at=NOW))
    session.commit()
    stores.add_events(sender, last=NOW)
    stores.add_outbox(sender, created=NOW, done=True)
    return ticket


def test_erasure_by_sender_id_removes_that_customer_only(session: Session, settings: Settings,
                                                         stores: Stores) -> None:
    settings = _settings(settings, stores)
    _customer_everywhere(session, stores, "rest:+447700900123")
    other = _customer_everywhere(session, stores, "rest:someone-else")
    record = erase_customer(session=session, settings=settings, request=ErasureRequest(
        requested_by="dpo@insurer.example", sender_ids=("rest:+447700900123",), reference="DSAR-2026-0042"))
    assert record.counts == {"conversations": 1, "tickets": 1, "messages": 1, "deliveries": 1, "surveys": 1,
                             "notes": 0, "attachments": 0, "tracker_events": 3, "action_outbox": 1}
    assert stores.senders() == {"rest:someone-else"} and [c for c, _ in stores.outbox()] == ["rest:someone-else"]
    assert set(session.scalars(select(Ticket.conversation_id))) >= {"rest:someone-else"}
    assert "rest:+447700900123" not in set(session.scalars(select(Ticket.conversation_id)))
    assert set(session.scalars(select(Survey.conversation_id))) == {"rest:someone-else"}
    assert other.id in _ids(session, Ticket)
    stored = session.get(ErasureRecord, record.id)
    assert (stored.requested_by, stored.reference) == ("dpo@insurer.example", "DSAR-2026-0042")
    assert "447700900123" not in json.dumps(stored.counts)


def test_erasure_by_policy_number_finds_every_conversation_that_names_it(session: Session, settings: Settings,
                                                                         stores: Stores) -> None:
    settings = _settings(settings, stores)
    _customer_everywhere(session, stores, "web:a", slots={"policy_number": "HOM-204815"})
    _customer_everywhere(session, stores, "web:unrelated", slots={"policy_number": "MOT-318402"})
    stores.add_events("telegram:b", last=NOW, text="my policy is hom-204815")  # only the tracker knows this one
    record = erase_customer(session=session, settings=settings, request=ErasureRequest(
        requested_by="dpo", policy_number="HOM-204815"))
    assert record.counts["conversations"] == 2 and record.counts["tracker_events"] == 6
    assert stores.senders() == {"web:unrelated"}


def test_erasure_waits_for_an_open_ticket_and_removes_nothing(session: Session, settings: Settings,
                                                              stores: Stores) -> None:
    settings = _settings(settings, stores)
    _customer_everywhere(session, stores, "web:busy")
    _ticket(session, "web:busy", TicketStatus.claimed)
    session.commit()
    with pytest.raises(Conflict, match="open"):
        erase_customer(session=session, settings=settings, request=ErasureRequest(requested_by="dpo",
                                                                                  sender_ids=("web:busy",)))
    session.rollback()
    assert stores.senders() == {"web:busy"} and session.scalars(select(ErasureRecord)).first() is None


@pytest.mark.parametrize("request_", [ErasureRequest(requested_by="dpo"),
                                      ErasureRequest(requested_by=" ", sender_ids=("x",))])
def test_an_erasure_must_name_the_customer_and_who_asks(session: Session, settings: Settings, stores: Stores,
                                                        request_: ErasureRequest) -> None:
    with pytest.raises(ErasureRequestInvalid):
        erase_customer(session=session, settings=_settings(settings, stores), request=request_)


def test_the_erase_customer_command(fresh_db_url: str, settings: Settings, stores: Stores,
                                    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from handoff_service.app import build_runtime

    settings = replace_settings(_settings(settings, stores), database_url=fresh_db_url)
    monkeypatch.setattr(cli, "SETTINGS", settings)
    runtime = build_runtime(settings)
    with runtime.session() as session:
        _customer_everywhere(session, stores, "rest:cli")
    assert cli.main(["erase-customer", "--sender-id", "rest:cli", "--requested-by", "ops",
                     "--database-url", fresh_db_url]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["tickets"] == 1 and out["tracker_events"] == 3 and "erasure_record" in out
    assert cli.main(["erase-customer", "--requested-by", "ops", "--database-url", fresh_db_url]) == 2
    monkeypatch.setattr(cli, "SETTINGS", replace_settings(settings, retention_ticket_days=1))
    with runtime.session() as session:
        _ticket(session, "rest:old", TicketStatus.resolved, NOW - 2 * DAY)
        session.commit()
    capsys.readouterr()
    assert cli.main(["retention", "--database-url", fresh_db_url]) == 0
    assert json.loads(capsys.readouterr().out)["tickets"] == 1
    runtime.engine.dispose()


def _with_note_and_photo(session: Session, ticket: Ticket, attachments_dir: Path) -> Path:
    agent = session.scalars(select(Agent)).first()
    if agent is None:
        agent = Agent(name="Sam", email=f"sam-{ticket.id}@heard.example", password_hash="x")
        session.add(agent)
        session.flush()
    session.add(TicketNote(ticket_id=ticket.id, agent_id=agent.id, text="widow, be gentle", created_at=NOW))
    key = f"key-{ticket.id}"
    session.add(Attachment(ticket_id=ticket.id, content_type="image/jpeg", file_name="kitchen.jpg", size_bytes=3,
                           sha256="0" * 64, storage_key=key, created_at=NOW))
    path = attachments_dir / str(ticket.id) / key
    path.parent.mkdir(parents=True)
    path.write_bytes(b"\xff\xd8\xff")
    session.commit()
    return path


def test_erasure_takes_the_notes_and_the_photo_files_too(session: Session, settings: Settings, stores: Stores,
                                                         tmp_path: Path) -> None:
    settings = replace_settings(_settings(settings, stores), attachments_dir=str(tmp_path / "attachments"))
    erased = _with_note_and_photo(session, _customer_everywhere(session, stores, "rest:erase-me"),
                                  tmp_path / "attachments")
    kept = _with_note_and_photo(session, _customer_everywhere(session, stores, "rest:keep-me"),
                                tmp_path / "attachments")
    record = erase_customer(session=session, settings=settings, request=ErasureRequest(
        requested_by="dpo@insurer.example", sender_ids=("rest:erase-me",)))
    assert record.counts["notes"] == 1 and record.counts["attachments"] == 1
    assert not erased.exists() and not erased.parent.exists()
    assert kept.exists()
    assert [a.file_name for a in session.scalars(select(Attachment))] == ["kitchen.jpg"]
    assert [n.text for n in session.scalars(select(TicketNote))] == ["widow, be gentle"]
