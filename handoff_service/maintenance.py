"""Periodic housekeeping, started with the app: expire queued tickets that waited too long, and set agents
whose console stopped sending heartbeats to away (services/presence.py).

Runs every HANDOFF_MAINTENANCE_INTERVAL_SECONDS (default 30 s) in each service process; the
conditional UPDATE makes concurrent runs in several processes harmless.
"""
from __future__ import annotations

import asyncio
import logging

from handoff_service.runtime import Runtime
from handoff_service.services.presence import lapse_stale_presence
from handoff_service.services.queue_updates import announce_queue_moves
from handoff_service.services.tickets import expire_stale_tickets

log = logging.getLogger("handoff_service.maintenance")


def run_maintenance_once(runtime: Runtime) -> int:
    with runtime.session() as session:
        expired = expire_stale_tickets(session=session, settings=runtime.settings)
        lapsed = lapse_stale_presence(session=session, timeout_seconds=runtime.settings.presence_timeout_seconds)
        session.commit()
        if lapsed:
            log.info("agent(s) %s set to away: no console heartbeat", lapsed)
        if expired:
            log.info("expired %d ticket(s) that waited over %s minutes", len(expired), runtime.settings.queue_max_age_minutes)
        return len(expired)


async def run_maintenance_forever(runtime: Runtime) -> None:
    while True:
        try:
            await asyncio.to_thread(run_maintenance_once, runtime)
        except Exception:  # keep housekeeping alive through a database hiccup
            log.exception("maintenance pass failed")
        await asyncio.sleep(runtime.settings.maintenance_interval_seconds)


def announce_queue_moves_once(runtime: Runtime) -> int:
    with runtime.session() as session:
        told = announce_queue_moves(session=session, settings=runtime.settings)
        session.commit()
        return told


async def run_queue_updates_forever(runtime: Runtime) -> None:
    """Waiting customers hear within HANDOFF_QUEUE_UPDATE_SECONDS when they move up the queue."""
    while True:
        try:
            await asyncio.to_thread(announce_queue_moves_once, runtime)
        except Exception:  # keep the updates alive through a database hiccup
            log.exception("queue update pass failed")
        await asyncio.sleep(runtime.settings.queue_update_seconds)
