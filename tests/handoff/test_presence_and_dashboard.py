"""Presence lapses without a heartbeat (the bot stops promising a colleague "now"), and the team lead's
dashboard API: role check, TNPS by path/trigger/band, escalations and intensity per day, times, per agent, CSV.
Issue #20, on both backends."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from handoff_service.config import Settings
from handoff_service.models import Agent, AgentRole, Presence, ResolveOutcome, Survey, Ticket, TicketStatus, utcnow
from handoff_service.runtime import Runtime
from handoff_service.services import presence, queue
from handoff_service.services.dashboard import Window, agents_report, escalations_by_day, intensity_by_day, \
    times_report, tnps_report

from .helpers import agent_headers, make_agent, service_headers

TIMEOUT = 90.0  # HANDOFF_PRESENCE_TIMEOUT_SECONDS default


def seen(agent: Agent, seconds_ago: float) -> None:
    agent.presence, agent.last_seen_at = Presence.online, utcnow() - timedelta(seconds=seconds_ago)


@pytest.mark.parametrize(("seconds_ago", "available"), [(TIMEOUT - 1, True), (TIMEOUT - 0.001, True),
                                                        (TIMEOUT, False), (TIMEOUT + 1, False)])
def test_an_online_agent_counts_only_while_their_heartbeat_is_fresh(session: Session, settings: Settings,
                                                                     seconds_ago: float, available: bool) -> None:
    agent = make_agent(session, "Sam")
    now = utcnow()
    agent.last_seen_at = now - timedelta(seconds=seconds_ago)
    session.flush()
    status = queue.availability(session=session, settings=settings, now=now)
    assert status.agents_online == (1 if available else 0)
    assert status.offline_option == (None if available else "callback")  # no promise of a colleague "now"
    assert presence.is_available(agent, settings.presence_timeout_seconds, now) is available


@pytest.mark.parametrize(("seconds_ago", "lapses"), [(TIMEOUT - 1, False), (TIMEOUT, True), (TIMEOUT + 1, True)])
def test_maintenance_writes_the_lapse_down_as_away(session: Session, settings: Settings, seconds_ago: float,
                                                    lapses: bool) -> None:
    agent = make_agent(session, "Sam")
    now = utcnow()
    agent.last_seen_at = now - timedelta(seconds=seconds_ago)
    session.flush()
    lapsed = presence.lapse_stale_presence(session=session, timeout_seconds=TIMEOUT, now=now)
    assert lapsed == ([agent.id] if lapses else [])
    session.refresh(agent)
    assert agent.presence == (Presence.away if lapses else Presence.online)


def test_a_heartbeat_keeps_the_agent_online_and_a_late_one_finds_them_away(client: TestClient, runtime: Runtime,
                                                                           session: Session) -> None:
    agent = make_agent(session, "Sam")
    seen(agent, TIMEOUT - 5)
    session.commit()
    headers = agent_headers(runtime, agent)
    beat = client.post("/api/v1/agents/me/heartbeat", headers=headers).json()
    assert beat["presence"] == "online" and beat["heartbeat_seconds"] == 30 and beat["timeout_seconds"] == TIMEOUT
    assert client.get("/api/v1/availability", headers=service_headers()).json()["agents_online"] == 1
    seen(agent, TIMEOUT + 5)  # the laptop slept
    session.commit()
    assert client.get("/api/v1/availability", headers=service_headers()).json()["agents_online"] == 0
    assert client.post("/api/v1/agents/me/heartbeat", headers=headers).json()["presence"] == "away"
    assert client.get("/api/v1/availability", headers=service_headers()).json()["agents_online"] == 0
    # Choosing online again is itself a heartbeat.
    client.put("/api/v1/agents/me/presence", headers=headers, json={"presence": "online"})
    assert client.get("/api/v1/availability", headers=service_headers()).json()["agents_online"] == 1
    assert client.post("/api/v1/agents/me/heartbeat").status_code == 401


def test_the_dashboard_is_for_team_leads(client: TestClient, runtime: Runtime, session: Session) -> None:
    lead, agent = make_agent(session, "Lee"), make_agent(session, "Sam")
    lead.role = AgentRole.team_lead
    session.commit()
    for path in ("/tnps", "/escalations", "/intensity", "/times", "/agents", "/tnps.csv"):
        assert client.get(f"/api/v1/dashboard{path}", headers=agent_headers(runtime, agent)).status_code == 403
        assert client.get(f"/api/v1/dashboard{path}").status_code == 401
        assert client.get(f"/api/v1/dashboard{path}", headers=agent_headers(runtime, lead)).status_code == 200
    lead_headers = agent_headers(runtime, lead)
    assert client.get("/api/v1/agents/me", headers=lead_headers).json()["role"] == "team_lead"
    for days, code in ((0, 422), (1, 200), (366, 200), (367, 422)):
        assert client.get("/api/v1/dashboard/times", headers=lead_headers, params={"days": days}).status_code == code
    assert client.get("/api/v1/dashboard/nothing.csv", headers=lead_headers).status_code == 422


def _ticket(session: Session, agent: Agent | None, *, trigger: str | None, band: str, intensity: float,
            days_ago: float, wait: float, handle: float | None, outcome: ResolveOutcome | None = None) -> Ticket:
    created = utcnow() - timedelta(days=days_ago)
    ticket = Ticket(conversation_id=f"dash-{created.timestamp()}-{trigger}", queue_key=created, created_at=created,
                    queued_at=created, trigger=trigger, intensity=intensity,
                    emotion_timeline=[{"intensity": intensity, "band": band}], status=TicketStatus.queued)
    if agent is not None:
        ticket.assigned_agent_id, ticket.claimed_at = agent.id, created + timedelta(seconds=wait)
        ticket.status = TicketStatus.claimed
        if handle is not None:
            ticket.resolved_at, ticket.status = ticket.claimed_at + timedelta(seconds=handle), TicketStatus.resolved
            ticket.outcome = outcome
    session.add(ticket)
    session.flush()
    return ticket


def _survey(session: Session, conversation: str, ticket: Ticket | None, score: int, days_ago: float = 0.1) -> None:
    session.add(Survey(conversation_id=conversation, ticket_id=ticket.id if ticket else None, score=score,
                       created_at=utcnow() - timedelta(days=days_ago)))
    session.flush()


def test_dashboard_figures(session: Session, settings: Settings) -> None:
    sam, kim = make_agent(session, "Sam"), make_agent(session, "Kim")
    a = _ticket(session, sam, trigger="vulnerability", band="distressed", intensity=0.9, days_ago=2, wait=60,
                handle=600, outcome=ResolveOutcome.claim_opened)
    b = _ticket(session, sam, trigger="explicit_request", band="mild", intensity=0.2, days_ago=1, wait=120, handle=300,
                outcome=ResolveOutcome.answered)
    c = _ticket(session, kim, trigger="vulnerability", band="upset", intensity=0.5, days_ago=1, wait=30, handle=None)
    _ticket(session, None, trigger=None, band="mild", intensity=0.1, days_ago=40, wait=0, handle=None)  # outside
    _survey(session, a.conversation_id, a, 10)
    _survey(session, b.conversation_id, b, 6)
    _survey(session, "bot-1", None, 9)
    _survey(session, "bot-2", None, 9)
    _survey(session, "bot-3", None, 3)
    _survey(session, "bot-old", None, 0, days_ago=45)  # outside the window
    window = Window.last_days(30, "Europe/London")
    report = tnps_report(session=session, window=window)
    assert (report.overall.responses, report.overall.tnps) == (5, 20.0)
    assert {t.group: (t.responses, t.tnps) for t in report.by_path} == {"bot_only": (3, 33.3), "handed_over": (2, 0.0)}
    assert {t.group: t.tnps for t in report.by_trigger} == {"explicit_request": -100.0, "vulnerability": 100.0}
    assert {t.group: t.tnps for t in report.by_band} == {"distressed": 100.0, "mild": -100.0}
    escalations = {(r.day, r.group): r.count for r in escalations_by_day(session=session, window=window)}
    assert sum(escalations.values()) == 3 and escalations[(window.day(a.created_at), "vulnerability")] == 1
    intensity = intensity_by_day(session=session, window=window)
    day_of_b = [r for r in intensity if r.day == window.day(b.created_at)][0]
    assert (day_of_b.tickets, day_of_b.mean, day_of_b.max) == (2, 0.35, 0.5)
    times = times_report(session=session, window=window)
    assert (times.waiting.count, times.waiting.median_seconds, times.waiting.p90_seconds) == (3, 60, 120)
    assert (times.handling.count, times.handling.mean_seconds) == (2, 450)
    per_agent = {r.name: r for r in agents_report(session=session, window=window)}
    assert per_agent["Sam"].resolved == 2 and per_agent["Sam"].tnps.tnps == 0.0
    assert per_agent["Sam"].outcomes == {"answered": 1, "claim_opened": 1}
    assert per_agent["Kim"].resolved == 0 and per_agent["Kim"].tnps.responses == 0 and c.resolved_at is None


def test_dashboard_csv_export(client: TestClient, runtime: Runtime, session: Session) -> None:
    lead = make_agent(session, "=HYPERLINK(\"x\")")  # a name typed by a person must not run in a spreadsheet
    lead.role = AgentRole.team_lead
    ticket = _ticket(session, lead, trigger="loop", band="upset", intensity=0.6, days_ago=0.5, wait=10, handle=20)
    _survey(session, ticket.conversation_id, ticket, 9)
    session.commit()
    response = client.get("/api/v1/dashboard/agents.csv", headers=agent_headers(runtime, lead))
    assert response.headers["content-type"].startswith("text/csv")
    assert 'filename="heard-agents-30d.csv"' in response.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == ["agent_id", "name", "resolved", "mean_handling_seconds", "tnps_responses", "tnps", "outcomes"]
    assert rows[1][1] == "'=HYPERLINK(\"x\")" and rows[1][2:6] == ["1", "20.0", "1", "100.0"]
    tnps = list(csv.reader(io.StringIO(client.get("/api/v1/dashboard/tnps.csv", headers=agent_headers(runtime, lead)).text)))
    assert ["path", "handed_over", "1", "1", "0", "0", "100.0"] in tnps and ["trigger", "loop", "1", "1", "0", "0", "100.0"] in tnps
