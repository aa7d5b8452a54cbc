"""Queue order, position, ETA and availability.

Order (with ageing, so low priority cannot starve):
    queue_key = queued_at - rank(priority) * AGEING        (rank: low 0, normal 1, high 2, urgent 3;
                                                              AGEING = HANDOFF_AGEING_MINUTES_PER_LEVEL, default 10 min)
    agents take tickets in ascending (queue_key, id).
Equivalently: effective priority = rank + minutes waited / AGEING, highest first. A ticket
waiting longer than AGEING minutes per level of difference is served before a newer, higher
ticket, so a low-priority customer waits at most 3 * AGEING longer than an urgent one that
arrived at the same time. The key is fixed when the ticket is queued (and kept on release,
so a released ticket goes back to its old place), which makes it an indexable column and the
same SQL on SQLite and PostgreSQL.

ETA: avg = mean handling time (claimed_at -> resolved_at) of the last 50 resolved tickets of the
past 7 days, or HANDOFF_DEFAULT_HANDLING_SECONDS when there are none.
    free  = max(online agents - agents busy with a claimed ticket, 0)
    eta   = max(0, ahead + 1 - free) / online * avg           (None when nobody is online)
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from handoff_service.config import Settings
from handoff_service.hours import BusinessHours
from handoff_service.models import Agent, Priority, Ticket, TicketStatus, utcnow
from handoff_service.services.presence import available_condition

RECENT_HANDLING_SAMPLE = 50
RECENT_HANDLING_WINDOW = timedelta(days=7)


def queue_key_for(priority: Priority, queued_at: datetime, ageing_minutes_per_level: float) -> datetime:
    return queued_at - timedelta(minutes=priority.rank * ageing_minutes_per_level)


def queue_order() -> tuple:
    return (Ticket.queue_key, Ticket.id)


def list_queue(*, session: Session, limit: int = 200) -> list[Ticket]:
    stmt = select(Ticket).where(Ticket.status == TicketStatus.queued).order_by(*queue_order()).limit(limit)
    return list(session.scalars(stmt))


def tickets_ahead(*, session: Session, ticket: Ticket) -> int:
    stmt = select(func.count(Ticket.id)).where(
        Ticket.status == TicketStatus.queued,
        or_(Ticket.queue_key < ticket.queue_key, and_(Ticket.queue_key == ticket.queue_key, Ticket.id < ticket.id)),
    )
    return int(session.scalar(stmt) or 0)


def online_agent_count(*, session: Session, settings: Settings, now: datetime | None = None) -> int:
    """Agents online whose console is still sending heartbeats (services/presence.py)."""
    condition = available_condition(settings.presence_timeout_seconds, now)
    return int(session.scalar(select(func.count(Agent.id)).where(condition)) or 0)


def busy_online_agent_count(*, session: Session, settings: Settings, now: datetime | None = None) -> int:
    stmt = (
        select(func.count(func.distinct(Ticket.assigned_agent_id)))
        .join(Agent, Agent.id == Ticket.assigned_agent_id)
        .where(Ticket.status == TicketStatus.claimed, available_condition(settings.presence_timeout_seconds, now))
    )
    return int(session.scalar(stmt) or 0)


def average_handling_seconds(*, session: Session, settings: Settings, now: datetime | None = None) -> float:
    now = now or utcnow()
    stmt = (
        select(Ticket.claimed_at, Ticket.resolved_at)
        .where(Ticket.status == TicketStatus.resolved, Ticket.resolved_at >= now - RECENT_HANDLING_WINDOW)
        .order_by(Ticket.resolved_at.desc())
        .limit(RECENT_HANDLING_SAMPLE)
    )
    durations = [
        (resolved - claimed).total_seconds()
        for claimed, resolved in session.execute(stmt)
        if claimed is not None and resolved is not None and resolved >= claimed
    ]
    return sum(durations) / len(durations) if durations else settings.default_handling_seconds


@lru_cache(maxsize=8)
def _business_hours(spec: str, timezone: str) -> BusinessHours:
    return BusinessHours.parse(spec, timezone)


@dataclass(frozen=True)
class Availability:
    agents_online: int
    within_hours: bool
    next_opening: datetime | None
    offline_option: str | None  # "callback" when a live wait would be dishonest


def availability(*, session: Session, settings: Settings, now: datetime | None = None) -> Availability:
    now = now or utcnow()
    hours = _business_hours(settings.business_hours, settings.timezone)
    within = hours.is_open(now)
    online = online_agent_count(session=session, settings=settings, now=now)
    return Availability(
        agents_online=online,
        within_hours=within,
        next_opening=None if within else hours.next_opening(now),
        offline_option=None if (within and online > 0) else "callback",
    )


@dataclass(frozen=True)
class QueueStatus:
    status: TicketStatus
    position: int | None  # 1 = next to be served; None when not queued
    ahead: int | None
    eta_seconds: int | None
    availability: Availability


def queue_status(*, session: Session, ticket: Ticket, settings: Settings, now: datetime | None = None) -> QueueStatus:
    avail = availability(session=session, settings=settings, now=now)
    if ticket.status != TicketStatus.queued:
        return QueueStatus(ticket.status, None, None, 0 if ticket.status == TicketStatus.claimed else None, avail)
    ahead = tickets_ahead(session=session, ticket=ticket)
    eta: int | None = None
    if avail.agents_online > 0 and avail.within_hours:
        free = max(avail.agents_online - busy_online_agent_count(session=session, settings=settings, now=now), 0)
        avg = average_handling_seconds(session=session, settings=settings, now=now)
        eta = round(max(0, ahead + 1 - free) / avail.agents_online * avg)
    return QueueStatus(TicketStatus.queued, ahead + 1, ahead, eta, avail)
