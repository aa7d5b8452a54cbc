"""The team lead's dashboard: TNPS, escalations, intensity, waiting and handling times, per agent.

Definitions (each figure is over the window [since, until), by when the ticket was created, or for
surveys when the answer was given; days are calendar days in HANDOFF_TIMEZONE):
- TNPS = % promoters (9-10) - % detractors (0-6) of the answers, -100..100; null without answers.
- path: "handed_over" when the survey belongs to a ticket (a person helped), else "bot_only".
- band: the care band the bot read at hand-over (assist.current_band: latest band, else from intensity).
- escalations: tickets created, by trigger ("unknown" when the bot named none), per day.
- intensity: the intensity at hand-over, mean and max per day.
- waiting = claimed_at - queued_at (tickets a person took); handling = resolved_at - claimed_at.
  Mean, median and 90th percentile (nearest rank) in seconds; null when there are none.
- per agent: tickets resolved, mean handling, TNPS of the surveys of their tickets, outcomes chosen.
Computed in Python over the window's rows: enough for a contact centre's month (thousands of tickets).
"""
from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from handoff_service.assist import current_band
from handoff_service.models import Agent, Survey, Ticket, utcnow

PROMOTER_MIN = 9
DETRACTOR_MAX = 6
MAX_DAYS = 366


@dataclass(frozen=True)
class Window:
    since: datetime
    until: datetime
    timezone: str

    @classmethod
    def last_days(cls, days: int, timezone: str, now: datetime | None = None) -> "Window":
        now = now or utcnow()
        return cls(since=now - timedelta(days=days), until=now, timezone=timezone)

    def day(self, moment: datetime) -> date:
        return moment.astimezone(ZoneInfo(self.timezone)).date()


@dataclass
class Tnps:
    group: str
    responses: int = 0
    promoters: int = 0
    passives: int = 0
    detractors: int = 0

    def add(self, score: int) -> None:
        self.responses += 1
        if score >= PROMOTER_MIN:
            self.promoters += 1
        elif score <= DETRACTOR_MAX:
            self.detractors += 1
        else:
            self.passives += 1

    @property
    def tnps(self) -> float | None:
        if not self.responses:
            return None
        return round(100 * (self.promoters - self.detractors) / self.responses, 1)


@dataclass
class Durations:
    count: int
    mean_seconds: float | None
    median_seconds: float | None
    p90_seconds: float | None


def durations(values: Iterable[float]) -> Durations:
    ordered = sorted(values)
    if not ordered:
        return Durations(0, None, None, None)
    n = len(ordered)
    median = ordered[n // 2] if n % 2 else (ordered[n // 2 - 1] + ordered[n // 2]) / 2
    p90 = ordered[max(0, math.ceil(0.9 * n) - 1)]
    return Durations(n, round(sum(ordered) / n, 1), round(median, 1), round(p90, 1))


@dataclass
class DayCount:
    day: date
    group: str
    count: int


@dataclass
class DayIntensity:
    day: date
    tickets: int
    mean: float
    max: float


@dataclass
class AgentFigures:
    agent_id: int
    name: str
    resolved: int
    handling: Durations
    tnps: Tnps
    outcomes: dict[str, int] = field(default_factory=dict)


def _tickets(session: Session, window: Window) -> list[Ticket]:
    stmt = select(Ticket).where(Ticket.created_at >= window.since, Ticket.created_at < window.until)
    return list(session.scalars(stmt.order_by(Ticket.id)))


def _surveys(session: Session, window: Window) -> list[tuple[Survey, Ticket | None]]:
    stmt = (select(Survey, Ticket).outerjoin(Ticket, Ticket.id == Survey.ticket_id)
            .where(Survey.created_at >= window.since, Survey.created_at < window.until).order_by(Survey.id))
    return [(survey, ticket) for survey, ticket in session.execute(stmt)]


def ticket_band(ticket: Ticket) -> str:
    return current_band(points=list(ticket.emotion_timeline or []), trigger=ticket.trigger) or "unknown"


def _grouped(pairs: Iterable[tuple[str, int]]) -> list[Tnps]:
    groups: dict[str, Tnps] = {}
    for group, score in pairs:
        groups.setdefault(group, Tnps(group)).add(score)
    return [groups[key] for key in sorted(groups)]


@dataclass
class TnpsReport:
    overall: Tnps
    by_path: list[Tnps]
    by_trigger: list[Tnps]
    by_band: list[Tnps]


def tnps_report(*, session: Session, window: Window) -> TnpsReport:
    answers = _surveys(session, window)
    overall = Tnps("all")
    for survey, _ticket in answers:
        overall.add(survey.score)
    by_path = _grouped(("handed_over" if t is not None else "bot_only", s.score) for s, t in answers)
    handed = [(s, t) for s, t in answers if t is not None]
    return TnpsReport(
        overall=overall,
        by_path=by_path,
        by_trigger=_grouped((t.trigger or "unknown", s.score) for s, t in handed),
        by_band=_grouped((ticket_band(t), s.score) for s, t in handed),
    )


def escalations_by_day(*, session: Session, window: Window) -> list[DayCount]:
    counts = Counter((window.day(t.created_at), t.trigger or "unknown") for t in _tickets(session, window))
    return [DayCount(day, group, count) for (day, group), count in sorted(counts.items())]


def intensity_by_day(*, session: Session, window: Window) -> list[DayIntensity]:
    per_day: dict[date, list[float]] = defaultdict(list)
    for ticket in _tickets(session, window):
        if ticket.intensity is not None:
            per_day[window.day(ticket.created_at)].append(float(ticket.intensity))
    return [DayIntensity(day, len(v), round(sum(v) / len(v), 3), round(max(v), 3)) for day, v in sorted(per_day.items())]


def _waiting(ticket: Ticket) -> float | None:
    if ticket.claimed_at is None or ticket.claimed_at < ticket.queued_at:
        return None
    return (ticket.claimed_at - ticket.queued_at).total_seconds()


def _handling(ticket: Ticket) -> float | None:
    if ticket.claimed_at is None or ticket.resolved_at is None or ticket.resolved_at < ticket.claimed_at:
        return None
    return (ticket.resolved_at - ticket.claimed_at).total_seconds()


@dataclass
class TimesReport:
    waiting: Durations
    handling: Durations


def times_report(*, session: Session, window: Window) -> TimesReport:
    tickets = _tickets(session, window)
    return TimesReport(
        waiting=durations(v for v in map(_waiting, tickets) if v is not None),
        handling=durations(v for v in map(_handling, tickets) if v is not None),
    )


def agents_report(*, session: Session, window: Window) -> list[AgentFigures]:
    tickets = [t for t in _tickets(session, window) if t.assigned_agent_id is not None]
    by_agent: dict[int, list[Ticket]] = defaultdict(list)
    for ticket in tickets:
        by_agent[ticket.assigned_agent_id].append(ticket)  # type: ignore[index]
    scores: dict[int, Tnps] = {}
    for survey, ticket in _surveys(session, window):
        if ticket is not None and ticket.assigned_agent_id is not None:
            scores.setdefault(ticket.assigned_agent_id, Tnps("agent")).add(survey.score)
    names = {a.id: a.name for a in session.scalars(select(Agent).where(Agent.id.in_(set(by_agent) | set(scores))))}
    report = []
    for agent_id in sorted(names, key=lambda i: (names[i], i)):
        own = by_agent.get(agent_id, [])
        resolved = [t for t in own if t.resolved_at is not None]
        outcomes = Counter(t.outcome.value for t in resolved if t.outcome is not None)
        report.append(AgentFigures(
            agent_id=agent_id, name=names[agent_id], resolved=len(resolved),
            handling=durations(v for v in map(_handling, resolved) if v is not None),
            tnps=scores.get(agent_id, Tnps("agent")), outcomes=dict(sorted(outcomes.items())),
        ))
    return report
