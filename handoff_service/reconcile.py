"""The reconciler: a customer's message to a person is not lost, even when the relay's retry is.

The fast path is the relay: while a person owns a conversation, the action server relays each customer message to
its ticket (actions/turn.py, through its outbox), and when the action server was down Rasa retries that relay in
the background (rasa_addons/relay_retry.py). Those retries live in one Rasa process's memory: if that process dies
(or the action server stays away longer than the retries last), a message that is in the tracker never reaches the
agent until the customer writes again.

The tracker is the source of truth, so this worker closes the gap from the handoff side. Every
``HANDOFF_RECONCILE_INTERVAL_SECONDS`` one replica (a ``job_leases`` lease per sweep, like retention) reads, for up
to ``HANDOFF_RECONCILE_MAX_TICKETS`` open tickets (queued or claimed), the conversation's tracker from Rasa
(``RasaClient.tracker_events``, with its timeout) and imports every customer message written since the
conversation was last handed over that the ticket does not have:

- under the **same message id the relay uses** (the event's ``message_id``, else ``<sender>:<timestamp>``,
  as ``actions.turn._external_id``), so relay and reconciler never duplicate (the ``(ticket_id, external_id)``
  unique constraint decides any race, also between two replicas sweeping at once);
- in the **tracker's order** (by timestamp), with the emotion the scorer stored, publishing the same
  ``ticket.message`` event the relay does, so consoles see it live;
- only messages older than ``HANDOFF_RECONCILE_AFTER_SECONDS``: younger ones are left to the relay, which also
  tells a waiting customer their message arrived and sends crisis lines (it reads the words; this worker does not
  write to customers). A message the scorer read as ``at_risk`` still moves a waiting ticket to the front.

"Since the handover" is the window the relay uses: user events after the last ``pause`` while the conversation
stayed paused (a ``resume``, ``restart`` or new session ends it). Commands the handoff service triggered
(``is_external``) are not customer messages.

When Rasa is unreachable the sweep stops at the first failure (one warning, not one per ticket) and this replica
waits the interval doubling up to ``HANDOFF_RECONCILE_BACKOFF_MAX_SECONDS`` before trying again; the next sweep
picks up where it was. Tickets are taken in id order after the last one checked, so a backlog larger than the cap
is covered over several sweeps.
"""
from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select

from handoff_service.api.schemas import CustomerMessageIn
from handoff_service.models import OPEN_STATUSES, Priority, Ticket, TicketStatus
from handoff_service.rasa_client import RasaError
from handoff_service.retention import take_lease
from handoff_service.services import tickets
from handoff_service.services.errors import ServiceError
from handoff_service.services.hooks import stage_event, ticket_event_data
from handoff_service.services.queue import queue_key_for

log = logging.getLogger("handoff_service.reconcile")
JOB_NAME = "reconcile"
ENDS_HANDOVER = {"resume", "restart", "session_started"}  # after these Rasa answers the customer itself


def message_external_id(conversation_id: str, event: dict[str, Any]) -> str:
    """The id the relay gives this message (actions/turn.py ``_external_id``; the action server is another
    runtime, so the rule is repeated here and a test holds the two together)."""
    return event.get("message_id") or f"{conversation_id}:{event.get('timestamp')}"


def _timestamp(event: dict[str, Any]) -> float:
    try:
        return float(event.get("timestamp") or 0.0)
    except (TypeError, ValueError):
        return 0.0


def messages_since_handover(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The customer's messages written while the conversation has been handed over to a person, oldest first.

    Empty when the conversation is not paused now: its messages went to the bot."""
    window: list[dict[str, Any]] | None = None
    for event in events:
        kind = event.get("event")
        if kind == "pause":
            window = []
        elif kind in ENDS_HANDOVER:
            window = None
        elif (kind == "user" and window is not None and event.get("text")
              and not (event.get("metadata") or {}).get("is_external")):
            window.append(event)
    return sorted(window or [], key=_timestamp)  # stable: equal timestamps keep the tracker's order


def _emotion(event: dict[str, Any]) -> dict[str, Any]:
    """What the scorer read (as actions/handoff/history.message_emotion sends it with the relay)."""
    emotion = (event.get("parse_data") or {}).get("emotion")
    if not (isinstance(emotion, dict) and emotion.get("available") and "intensity" in emotion):
        return {}
    return {"intensity": emotion.get("intensity"), "emotion": emotion.get("dominant"), "band": emotion.get("band")}


def _as_relay_body(conversation_id: str, event: dict[str, Any]) -> CustomerMessageIn | None:
    """The body the relay would have posted, checked by the same schema (a message the relay could not store
    is not stored here either)."""
    try:
        return CustomerMessageIn.model_validate({"text": event.get("text"),
                                                 "external_id": message_external_id(conversation_id, event),
                                                 **_emotion(event)})
    except ValidationError:
        return None


@dataclass
class SweepReport:
    checked: int = 0  # tickets whose tracker was read
    imported: int = 0  # messages stored
    refused: int = 0  # tracker reads Rasa answered with a 4xx
    rasa_unreachable: bool = False


class Reconciler:
    """One per service process; holds where the last sweep stopped and the back-off while Rasa is away."""

    def __init__(self, runtime: Any) -> None:  # Runtime (runtime.py imports what imports this module)
        self._runtime = runtime
        self._after_ticket_id = 0
        self._failures = 0
        self._unfit: set[str] = set()  # message ids already reported as not storable (one warning each)

    @property
    def settings(self) -> Any:
        return self._runtime.settings

    def next_delay(self) -> float:
        """Seconds until this replica tries again: the interval, doubled per sweep that found Rasa away, capped."""
        interval = self.settings.reconcile_interval_seconds
        if not self._failures:
            return interval
        return min(interval * 2 ** min(self._failures, 30), max(interval, self.settings.reconcile_backoff_max_seconds))

    def _tickets_to_check(self) -> list[tuple[int, str]]:
        cap = self.settings.reconcile_max_tickets
        with self._runtime.session() as session:
            def batch(*condition: Any, limit: int) -> list[tuple[int, str]]:
                rows = session.execute(select(Ticket.id, Ticket.conversation_id)
                                       .where(Ticket.status.in_(OPEN_STATUSES), *condition)
                                       .order_by(Ticket.id).limit(limit)).all()
                return [(int(r[0]), str(r[1])) for r in rows]

            rows = batch(Ticket.id > self._after_ticket_id, limit=cap)
            if len(rows) < cap:  # wrap around to the tickets before where the last sweep stopped
                rows += batch(Ticket.id <= self._after_ticket_id, limit=cap - len(rows))
            return rows

    def _import(self, ticket_id: int, conversation_id: str, events: list[dict[str, Any]]) -> int:
        settle_before = time.time() - self.settings.reconcile_after_seconds
        waiting = [e for e in messages_since_handover(events) if _timestamp(e) <= settle_before]
        if not waiting:
            return 0
        imported = 0
        with self._runtime.session() as session:
            ticket = session.get(Ticket, ticket_id)
            if ticket is None or ticket.status not in OPEN_STATUSES or ticket.conversation_id != conversation_id:
                return 0  # closed (or gone) since it was listed: its messages are no longer ours to add
            for event in waiting:
                body = _as_relay_body(conversation_id, event)
                if body is None:
                    unfit = message_external_id(conversation_id, event)
                    if unfit not in self._unfit:
                        self._unfit.add(unfit)
                        log.warning("ticket %s: a tracker message does not fit a relay body; not imported", ticket_id)
                    continue
                try:
                    _message, created = tickets.add_customer_message(
                        session=session, ticket=ticket, text=body.text, external_id=body.external_id,
                        emotion=tickets.MessageEmotion(intensity=body.intensity, emotion=body.emotion,
                                                       band=body.band))
                except ServiceError:
                    return 0
                if not created:
                    continue
                imported += 1
                if body.band == "at_risk":
                    self._to_front(session, ticket)
            session.commit()
        if imported:
            log.info("ticket %s: %d customer message(s) the relay never delivered imported from the tracker",
                     ticket_id, imported)
        return imported

    def _to_front(self, session: Any, ticket: Ticket) -> None:
        """A waiting customer at risk is never left behind others (services/queue_updates.raise_urgent_risk,
        without its notice: the crisis lines are the bot's words, sent by the relay)."""
        if ticket.status != TicketStatus.queued or ticket.priority == Priority.urgent:
            return
        ticket.priority = Priority.urgent
        ticket.queue_key = queue_key_for(Priority.urgent, ticket.queued_at, self.settings.ageing_minutes_per_level)
        session.flush()
        stage_event(session, "ticket.status", ticket_event_data(ticket))

    async def sweep(self) -> SweepReport:
        """One pass over up to the cap of open tickets, without the lease (``run_if_due`` takes it)."""
        report = SweepReport()
        for ticket_id, conversation_id in await asyncio.to_thread(self._tickets_to_check):
            try:
                events = await self._runtime.rasa.tracker_events(conversation_id)
            except RasaError as exc:
                if not exc.retryable:  # refused (e.g. a wrong RASA_TOKEN): the others may still be read
                    report.refused += 1
                    self._after_ticket_id = ticket_id
                    continue
                report.rasa_unreachable = True
                break  # Rasa is away: every other ticket would fail the same way; start here next time
            report.checked += 1
            report.imported += await asyncio.to_thread(self._import, ticket_id, conversation_id, events)
            self._after_ticket_id = ticket_id
        if report.refused:  # once per sweep, not per ticket
            log.warning("Rasa refused %d tracker read(s) (%s); those tickets are tried again next sweep",
                        report.refused, "see the handoff service's RASA_URL and RASA_TOKEN")
        self._note_rasa(report)
        return report

    def _note_rasa(self, report: SweepReport) -> None:
        if report.rasa_unreachable:
            self._failures += 1
            if self._failures == 1:
                log.warning("Rasa unreachable: reconciling paused, retrying with back-off (up to %.0f s)",
                            self.settings.reconcile_backoff_max_seconds)
        elif self._failures:
            log.info("Rasa reachable again after %d failed sweep(s): reconciling resumed", self._failures)
            self._failures = 0

    async def run_if_due(self) -> SweepReport | None:
        """A sweep when this replica takes the lease for this interval; None when another replica has it."""
        def lease() -> bool:
            with self._runtime.session() as session:
                return take_lease(session=session, name=JOB_NAME,
                                  interval_seconds=self.settings.reconcile_interval_seconds)

        if not await asyncio.to_thread(lease):
            return None
        return await self.sweep()


async def run_reconcile_forever(runtime: Any, reconciler: Reconciler | None = None) -> None:
    reconciler = reconciler or Reconciler(runtime)
    while True:
        try:
            await reconciler.run_if_due()
        except Exception:  # keep the worker alive through a database hiccup; the next sweep retries
            log.exception("reconcile pass failed")
        await asyncio.sleep(reconciler.next_delay())
