"""Presence that lapses: an agent is available only while their console keeps sending heartbeats.

The console sends a heartbeat every HEARTBEAT_SECONDS (30 s; a hidden tab's timers may be slowed to once a
minute). An agent marked online whose last heartbeat is HANDOFF_PRESENCE_TIMEOUT_SECONDS old or older
(default 90 s, so one missed heartbeat plus a throttled tab's delay) counts as away:
    available  <=>  presence == online  and  now - last_seen_at < timeout
The queue's availability and ETA read this rule directly (so the bot stops promising a colleague "now" the
moment the heartbeat is missed); the maintenance pass then writes the lapse down as presence = away, so the
console and the other agents see it too.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, update
from sqlalchemy.orm import Session

from handoff_service.models import Agent, Presence, utcnow
from handoff_service.services.hooks import stage_event

HEARTBEAT_SECONDS = 30


def heartbeat_interval(timeout_seconds: float) -> int:
    """How often the console beats: every 30 s, or a third of a shorter timeout (at least 1 s)."""
    return max(1, min(HEARTBEAT_SECONDS, int(timeout_seconds // 3)))


def seen_since(timeout_seconds: float, now: datetime | None = None) -> datetime:
    """Heartbeats at or before this instant are too old."""
    return (now or utcnow()) - timedelta(seconds=timeout_seconds)


def available_condition(timeout_seconds: float, now: datetime | None = None) -> ColumnElement[bool]:
    return and_(Agent.presence == Presence.online, Agent.last_seen_at > seen_since(timeout_seconds, now))


def is_available(agent: Agent, timeout_seconds: float, now: datetime | None = None) -> bool:
    return agent.presence == Presence.online and agent.last_seen_at > seen_since(timeout_seconds, now)


def heartbeat(*, session: Session, agent: Agent, timeout_seconds: float, now: datetime | None = None) -> Agent:
    """The console is open. A heartbeat that comes too late finds the agent lapsed: they become away (if the
    maintenance pass has not done it yet) and stay away until they choose online again."""
    now = now or utcnow()
    if agent.presence == Presence.online and not is_available(agent, timeout_seconds, now):
        agent.presence, agent.presence_changed_at = Presence.away, now
        stage_event(session, "agent.presence", {"agent_id": agent.id, "name": agent.name,
                                                "presence": Presence.away.value, "reason": "heartbeat_missed"})
    agent.last_seen_at = now
    session.flush()
    return agent


def lapse_stale_presence(*, session: Session, timeout_seconds: float, now: datetime | None = None) -> list[int]:
    """Online agents whose console went quiet become away; returns their ids."""
    now = now or utcnow()
    stmt = (
        update(Agent)
        .where(Agent.presence == Presence.online, Agent.last_seen_at <= seen_since(timeout_seconds, now))
        .values(presence=Presence.away, presence_changed_at=now)
        .returning(Agent.id, Agent.name)
        .execution_options(synchronize_session="fetch")
    )
    lapsed = sorted(session.execute(stmt).all())
    for agent_id, name in lapsed:
        data: dict[str, Any] = {"agent_id": agent_id, "name": name, "presence": Presence.away.value,
                                "reason": "heartbeat_missed"}
        stage_event(session, "agent.presence", data)
    return [agent_id for agent_id, _ in lapsed]
