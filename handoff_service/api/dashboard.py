"""Team lead dashboard API (agent token of a team lead; other agents get 403). Definitions of every figure:
handoff_service/services/dashboard.py. Each section is also a CSV file: ``/api/v1/dashboard/{section}.csv``."""
from __future__ import annotations

import csv
import enum
import io
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, status
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from handoff_service.api.deps import RuntimeDep, SessionDep, require_agent
from handoff_service.api.responses import AUTH_ERRORS, FORBIDDEN
from handoff_service.models import Agent, AgentRole
from handoff_service.services import dashboard
from handoff_service.services.dashboard import Window

Days = Annotated[int, Query(ge=1, le=dashboard.MAX_DAYS, description="The last N days (default 30)")]


def require_team_lead(agent: Annotated[Agent, Depends(require_agent)]) -> Agent:
    if agent.role != AgentRole.team_lead:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "The dashboard is for team leads")
    return agent


router = APIRouter(prefix="/api/v1/dashboard", tags=["dashboard"], dependencies=[Depends(require_team_lead)])
RESPONSES: dict[int | str, dict[str, Any]] = {**AUTH_ERRORS, **FORBIDDEN}


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class TnpsOut(_Out):
    group: str
    responses: int
    promoters: int = Field(description="scores 9-10")
    passives: int = Field(description="scores 7-8")
    detractors: int = Field(description="scores 0-6")
    tnps: float | None = Field(description="% promoters - % detractors (-100..100); null without answers")


class TnpsReportOut(_Out):
    overall: TnpsOut
    by_path: list[TnpsOut] = Field(description="bot_only (no person) vs handed_over")
    by_trigger: list[TnpsOut]
    by_band: list[TnpsOut] = Field(description="care band at hand-over")


class DayCountOut(_Out):
    day: date
    group: str = Field(description="the escalation trigger")
    count: int


class DayIntensityOut(_Out):
    day: date
    tickets: int
    mean: float
    max: float


class DurationsOut(_Out):
    count: int
    mean_seconds: float | None
    median_seconds: float | None
    p90_seconds: float | None


class TimesOut(_Out):
    waiting: DurationsOut = Field(description="queued -> claimed")
    handling: DurationsOut = Field(description="claimed -> resolved")


class AgentFiguresOut(_Out):
    agent_id: int
    name: str
    resolved: int
    handling: DurationsOut
    tnps: TnpsOut
    outcomes: dict[str, int]


def _window(runtime: Any, days: int) -> Window:
    return Window.last_days(days, runtime.settings.timezone)


@router.get("/tnps", response_model=TnpsReportOut, responses=RESPONSES, summary="TNPS by path, trigger and band")
def tnps(runtime: RuntimeDep, session: SessionDep, days: Days = 30) -> TnpsReportOut:
    return TnpsReportOut.model_validate(dashboard.tnps_report(session=session, window=_window(runtime, days)))


@router.get("/escalations", response_model=list[DayCountOut], responses=RESPONSES,
            summary="Hand-overs per day and trigger")
def escalations(runtime: RuntimeDep, session: SessionDep, days: Days = 30) -> list[DayCountOut]:
    rows = dashboard.escalations_by_day(session=session, window=_window(runtime, days))
    return [DayCountOut.model_validate(r) for r in rows]


@router.get("/intensity", response_model=list[DayIntensityOut], responses=RESPONSES,
            summary="Intensity at hand-over per day (mean, max)")
def intensity(runtime: RuntimeDep, session: SessionDep, days: Days = 30) -> list[DayIntensityOut]:
    rows = dashboard.intensity_by_day(session=session, window=_window(runtime, days))
    return [DayIntensityOut.model_validate(r) for r in rows]


@router.get("/times", response_model=TimesOut, responses=RESPONSES, summary="Waiting and handling times")
def times(runtime: RuntimeDep, session: SessionDep, days: Days = 30) -> TimesOut:
    return TimesOut.model_validate(dashboard.times_report(session=session, window=_window(runtime, days)))


@router.get("/agents", response_model=list[AgentFiguresOut], responses=RESPONSES, summary="Figures per agent")
def agents(runtime: RuntimeDep, session: SessionDep, days: Days = 30) -> list[AgentFiguresOut]:
    rows = dashboard.agents_report(session=session, window=_window(runtime, days))
    return [AgentFiguresOut.model_validate(r) for r in rows]


def _csv_rows(section: str, runtime: Any, session: Any, days: int) -> tuple[list[str], list[list[Any]]]:
    window = _window(runtime, days)
    if section == "tnps":
        report = dashboard.tnps_report(session=session, window=window)
        rows = [[dimension, t.group, t.responses, t.promoters, t.passives, t.detractors, t.tnps]
                for dimension, items in (("overall", [report.overall]), ("path", report.by_path),
                                         ("trigger", report.by_trigger), ("band", report.by_band))
                for t in items]
        return ["dimension", "group", "responses", "promoters", "passives", "detractors", "tnps"], rows
    if section == "escalations":
        return ["day", "trigger", "count"], [[r.day.isoformat(), r.group, r.count]
                                             for r in dashboard.escalations_by_day(session=session, window=window)]
    if section == "intensity":
        return ["day", "tickets", "mean", "max"], [[r.day.isoformat(), r.tickets, r.mean, r.max]
                                                   for r in dashboard.intensity_by_day(session=session, window=window)]
    if section == "times":
        report = dashboard.times_report(session=session, window=window)
        return ["measure", "count", "mean_seconds", "median_seconds", "p90_seconds"], [
            [name, d.count, d.mean_seconds, d.median_seconds, d.p90_seconds]
            for name, d in (("waiting", report.waiting), ("handling", report.handling))]
    rows = [[a.agent_id, a.name, a.resolved, a.handling.mean_seconds, a.tnps.responses, a.tnps.tnps,
             ";".join(f"{k}={v}" for k, v in a.outcomes.items())]
            for a in dashboard.agents_report(session=session, window=window)]
    return ["agent_id", "name", "resolved", "mean_handling_seconds", "tnps_responses", "tnps", "outcomes"], rows


def _cell(value: Any) -> Any:
    # A cell starting with = + - @ would run as a formula in a spreadsheet (agent names are typed by people).
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return "" if value is None else value


class Section(str, enum.Enum):
    tnps = "tnps"
    escalations = "escalations"
    intensity = "intensity"
    times = "times"
    agents = "agents"


@router.get("/{section}.csv", responses={**RESPONSES, 200: {"content": {"text/csv": {}}}},
            response_class=Response, summary="One section as CSV (tnps, escalations, intensity, times, agents)")
def export_csv(section: Section, runtime: RuntimeDep, session: SessionDep, days: Days = 30) -> Response:
    header, rows = _csv_rows(section.value, runtime, session, days)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows([[_cell(value) for value in row] for row in rows])
    return Response(buffer.getvalue(), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="heard-{section.value}-{days}d.csv"'})
