"""Retention: what is kept how long (HANDOFF_RETENTION_*_DAYS, 0 = keep), enforced by
``python -m handoff_service.cli retention`` and daily by the maintenance worker of whichever replica takes the
job's lease. Every step is a bounded set of DELETE/UPDATE statements, idempotent, so a repeated or concurrent
run removes nothing twice and nothing else. Open tickets (queued, claimed) and their conversations are never
touched: the clock of a ticket starts when it closes.

| setting | store | what happens after the days |
| --- | --- | --- |
| conversation | Rasa's tracker store | every event of a conversation idle that long is deleted |
| ticket | handoff DB | closed tickets with messages, transcript and their delivery rows are deleted; their surveys lose the link |
| emotion | handoff DB | emotion timeline, intensity, dominant emotion, trigger words and per-turn scores of closed tickets are cleared |
| delivery | handoff DB + action server DB | delivered or failed outbox rows (they quote what was sent) are deleted |
| survey | handoff DB | the comment and the conversation id are removed; the score stays for reporting |
"""
from __future__ import annotations

import asyncio
import logging
import shutil
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import String, and_, cast, delete, func, literal, not_, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from handoff_service.config import Settings
from handoff_service.models import (
    Attachment,
    Delivery,
    DeliveryStatus,
    JobLease,
    Message,
    Survey,
    Ticket,
    TicketNote,
    TicketStatus,
    utcnow,
)
from handoff_service.other_stores import ACTION_OUTBOX, TRACKER_EVENTS, store

log = logging.getLogger("handoff_service.retention")
JOB_NAME = "retention"
ANONYMISED_PREFIX = "anonymised-"


@dataclass
class RetentionReport:
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, name: str, count: int | None) -> None:
        self.counts[name] = self.counts.get(name, 0) + int(count or 0)


def closed_before(cutoff: datetime):  # noqa: ANN201 - an SQL expression
    """Tickets closed (resolved, abandoned, expired) before ``cutoff``."""
    return or_(
        and_(Ticket.status == TicketStatus.resolved, Ticket.resolved_at < cutoff),
        and_(Ticket.status == TicketStatus.abandoned, Ticket.abandoned_at < cutoff),
        and_(Ticket.status == TicketStatus.expired, Ticket.expired_at < cutoff),
    )


def delete_tickets(*, session: Session, ticket_ids: list[int], attachments_dir: str = "") -> dict[str, int]:
    """Tickets with their messages, internal notes, attachments (rows and files) and delivery rows; surveys keep
    their score but lose the link. Rows are deleted explicitly: SQLite does not enforce ON DELETE CASCADE."""
    if not ticket_ids:
        return {"tickets": 0, "messages": 0, "deliveries": 0, "notes": 0, "attachments": 0}
    deliveries = session.execute(delete(Delivery).where(Delivery.ticket_id.in_(ticket_ids))).rowcount
    session.execute(update(Survey).where(Survey.ticket_id.in_(ticket_ids)).values(ticket_id=None))
    messages = session.execute(delete(Message).where(Message.ticket_id.in_(ticket_ids))).rowcount
    notes = session.execute(delete(TicketNote).where(TicketNote.ticket_id.in_(ticket_ids))).rowcount
    attachments = session.execute(delete(Attachment).where(Attachment.ticket_id.in_(ticket_ids))).rowcount
    tickets = session.execute(delete(Ticket).where(Ticket.id.in_(ticket_ids))).rowcount
    if attachments_dir:
        for ticket_id in ticket_ids:  # the files live under <dir>/<ticket id>/ (services/attachments.py)
            shutil.rmtree(Path(attachments_dir) / str(int(ticket_id)), ignore_errors=True)
    return {"tickets": tickets or 0, "messages": messages or 0, "deliveries": deliveries or 0,
            "notes": notes or 0, "attachments": attachments or 0}


EMOTION_KEYS = ("intensity", "emotion")  # what a transcript turn says about feelings (api/schemas.TranscriptTurn)
BATCH = 2_000


def clear_emotion(*, session: Session, cutoff: datetime) -> int:
    """Closed tickets lose their emotion timeline, intensity, dominant emotion, trigger words and the per-turn
    scores in the transcript (the words stay until the ticket's own retention). A batch per pass."""
    transcript_text = cast(Ticket.transcript, String)
    has_emotion = or_(Ticket.intensity.is_not(None), Ticket.dominant_emotion.is_not(None),
                      Ticket.trigger_words.is_not(None), cast(Ticket.emotion_timeline, String) != "[]",
                      *(transcript_text.contains(f'"{key}"') for key in EMOTION_KEYS))
    rows = session.execute(select(Ticket.id, Ticket.transcript).where(closed_before(cutoff), has_emotion)
                           .order_by(Ticket.id).limit(BATCH)).all()
    for ticket_id, transcript in rows:
        turns = [{k: v for k, v in turn.items() if k not in EMOTION_KEYS} if isinstance(turn, dict) else turn
                 for turn in transcript or []]
        session.execute(update(Ticket).where(Ticket.id == ticket_id).values(
            emotion_timeline=[], intensity=None, dominant_emotion=None, trigger_words=None, transcript=turns)
            .execution_options(synchronize_session=False))
    return len(rows)


def _days_ago(now: datetime, days: int) -> datetime:
    return now - timedelta(days=days)


def apply_handoff_retention(*, session: Session, settings: Settings, now: datetime | None = None) -> RetentionReport:
    now = now or utcnow()
    report = RetentionReport()
    if settings.retention_ticket_days:
        cutoff = _days_ago(now, settings.retention_ticket_days)
        ids = list(session.scalars(select(Ticket.id).where(closed_before(cutoff))))
        for name, count in delete_tickets(session=session, ticket_ids=ids,
                                              attachments_dir=settings.attachments_dir).items():
            report.add(name, count)
    if settings.retention_emotion_days:
        report.add("emotion_cleared", clear_emotion(session=session,
                                                    cutoff=_days_ago(now, settings.retention_emotion_days)))
    if settings.retention_delivery_days:
        cutoff = _days_ago(now, settings.retention_delivery_days)
        report.add("deliveries", session.execute(delete(Delivery).where(
            Delivery.status.in_([DeliveryStatus.delivered, DeliveryStatus.failed]),
            Delivery.created_at < cutoff)).rowcount)
    if settings.retention_survey_days:
        cutoff = _days_ago(now, settings.retention_survey_days)
        stale = and_(Survey.created_at < cutoff,
                     or_(Survey.comment.is_not(None), not_(Survey.conversation_id.startswith(ANONYMISED_PREFIX))))
        report.add("surveys_anonymised", session.execute(
            update(Survey).where(stale)
            .values(comment=None, conversation_id=literal(ANONYMISED_PREFIX, String) + cast(Survey.id, String))
            .execution_options(synchronize_session=False)).rowcount)
    return report


def open_conversations(session: Session) -> set[str]:
    return set(session.scalars(select(Ticket.conversation_id).where(
        Ticket.status.in_([TicketStatus.queued, TicketStatus.claimed]))))


def apply_store_retention(*, settings: Settings, keep: set[str], now: datetime | None = None) -> RetentionReport:
    """Rasa's tracker store and the action server's outbox (``keep``: conversations with an open ticket)."""
    now = now or utcnow()
    report = RetentionReport()
    if settings.retention_conversation_days:
        cutoff = _days_ago(now, settings.retention_conversation_days).timestamp()
        with store(settings.tracker_store_url, TRACKER_EVENTS) as connection:
            if connection is not None:
                events = TRACKER_EVENTS.c
                idle = select(events.sender_id).group_by(events.sender_id).having(func.max(events.timestamp) < cutoff)
                senders = [s for s in connection.scalars(idle) if s not in keep]
                report.add("conversations", len(senders))
                for start in range(0, len(senders), 500):
                    report.add("tracker_events", connection.execute(
                        delete(TRACKER_EVENTS).where(events.sender_id.in_(senders[start:start + 500]))).rowcount)
    if settings.retention_delivery_days:
        cutoff_naive = _days_ago(now, settings.retention_delivery_days).replace(tzinfo=None)
        with store(settings.action_database_url, ACTION_OUTBOX) as connection:
            if connection is not None:
                outbox = ACTION_OUTBOX.c
                report.add("action_outbox", connection.execute(delete(ACTION_OUTBOX).where(
                    outbox.done_at.is_not(None), outbox.created_at < cutoff_naive)).rowcount)
    return report


def run_retention(*, session: Session, settings: Settings, now: datetime | None = None) -> dict[str, int]:
    """Everything retention removes today, committed; the counts per kind (no personal data)."""
    report = apply_handoff_retention(session=session, settings=settings, now=now)
    keep = open_conversations(session)
    session.commit()
    for name, count in apply_store_retention(settings=settings, keep=keep, now=now).counts.items():
        report.add(name, count)
    return report.counts


def retention_configured(settings: Settings) -> bool:
    return any((settings.retention_conversation_days, settings.retention_ticket_days, settings.retention_emotion_days,
                settings.retention_delivery_days, settings.retention_survey_days))


def take_lease(*, session: Session, name: str, interval_seconds: float, now: datetime | None = None) -> bool:
    """True for exactly one caller per interval across every replica (a conditional UPDATE on ``job_leases``)."""
    now = now or utcnow()
    if session.get(JobLease, name) is None:
        try:
            with session.begin_nested():
                session.add(JobLease(name=name, next_run_at=now))
        except IntegrityError:  # another replica inserted it first; the UPDATE below decides
            pass
    taken = session.execute(
        update(JobLease).where(JobLease.name == name, JobLease.next_run_at <= now)
        .values(next_run_at=now + timedelta(seconds=interval_seconds), last_run_at=now)
        .execution_options(synchronize_session=False)).rowcount
    session.commit()
    return taken == 1


def run_retention_if_due(runtime) -> dict[str, int] | None:  # noqa: ANN001 - Runtime (import cycle)
    settings = runtime.settings
    if not retention_configured(settings):
        return None
    with runtime.session() as session:
        if not take_lease(session=session, name=JOB_NAME, interval_seconds=settings.retention_interval_seconds):
            return None
        counts = run_retention(session=session, settings=settings)
    log.info("retention removed %s", ", ".join(f"{k}={v}" for k, v in sorted(counts.items())) or "nothing")
    return counts


def prune_sign_in_counts(runtime) -> int:  # noqa: ANN001
    from handoff_service.services import login_throttle

    with runtime.session() as session:
        pruned = login_throttle.prune(session=session, settings=runtime.settings)
        session.commit()
        return pruned


async def run_retention_forever(runtime) -> None:  # noqa: ANN001
    while True:
        try:
            await asyncio.to_thread(prune_sign_in_counts, runtime)
            await asyncio.to_thread(run_retention_if_due, runtime)
        except Exception:  # keep the job alive through a database hiccup; the lease retries next interval
            log.exception("retention pass failed")
        await asyncio.sleep(runtime.settings.maintenance_interval_seconds)
