"""Background worker that sends outbox rows to Rasa: at least once on the wire, exactly once in the tracker.

- Conversations are served concurrently; within one conversation rows go strictly in id order
  (only the oldest pending row of a conversation is ever picked).
- Failures back off exponentially: base * 2**(attempts-1), capped; after HANDOFF_OUTBOX_MAX_ATTEMPTS
  (or a non-retryable 4xx, e.g. an intent the bot does not know) the row is marked failed, shown to
  the agent with a retry button, and the conversation's next row may go. A ``resume`` never fails for
  good: a conversation left paused would leave the customer talking to nobody, so it keeps retrying
  at the capped back-off (and is shown to the agent as retrying) until Rasa takes it.
- Every replica runs a worker; a row is only sent under a lease (see services/deliveries.py).
- Before re-sending a row that may already have reached Rasa (attempts > 1), the tracker is read:
  an event whose metadata.heard_delivery_id matches (or, for trigger_intent, a user event with that
  intent after the first attempt) means it arrived, so it is only marked delivered.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from handoff_service.config import Settings
from handoff_service.models import Delivery, DeliveryKind, utcnow
from handoff_service.rasa_client import RasaClient, RasaError
from handoff_service.services import deliveries, tickets

log = logging.getLogger("handoff_service.outbox")
LEASE_SECONDS = 60.0
CLOCK_SKEW_SECONDS = 5.0


def rasa_events_for(delivery: Delivery) -> dict[str, Any] | list[dict[str, Any]]:
    marker = {"heard_delivery_id": str(delivery.id)}
    if delivery.kind == DeliveryKind.bot_message:
        agent_name = delivery.payload.get("agent_name")
        # Channels drop event metadata, so the text itself says a person wrote it, and who.
        text = f"{agent_name} (a person): {delivery.payload['text']}" if agent_name else delivery.payload["text"]
        return {
            "event": "bot",
            "text": text,
            "metadata": {"from_human": bool(agent_name), "agent_name": agent_name, **marker},
        }
    if delivery.kind == DeliveryKind.resume:
        # action_listen after resume avoids a dead turn: the bot waits for the customer's next message.
        return [
            {"event": "resume", "metadata": marker},
            {"event": "action", "name": "action_listen", "metadata": marker},
        ]
    raise ValueError(f"{delivery.kind} is not sent as tracker events")


def already_in_tracker(delivery: Delivery, events: list[dict[str, Any]]) -> bool:
    if delivery.kind == DeliveryKind.trigger_intent:
        since = (delivery.first_attempt_at or delivery.created_at).timestamp() - CLOCK_SKEW_SECONDS
        name = delivery.payload.get("name")
        return any(
            e.get("event") == "user"
            and ((e.get("parse_data") or {}).get("intent") or {}).get("name") == name
            and float(e.get("timestamp") or 0) >= since
            for e in events
        )
    wanted = str(delivery.id)
    return any(str((e.get("metadata") or {}).get("heard_delivery_id")) == wanted for e in events)


MAX_BACKOFF_EXPONENT = 62  # 2**62 s is beyond any cap; keeps the float maths finite for a resume retried forever


@dataclass(frozen=True)
class RetryDecision:
    give_up: bool
    delay_seconds: float


def retry_decision(delivery: Delivery, attempt: int, error: RasaError, settings: Settings) -> RetryDecision:
    """After failed attempt number ``attempt`` (1-based, counting every attempt ever made) of ``delivery``."""
    since_retry = max(1, attempt - delivery.attempts_before_retry)
    exponent = min(since_retry - 1, MAX_BACKOFF_EXPONENT)
    delay = min(settings.outbox_backoff_base_seconds * 2 ** exponent, settings.outbox_backoff_max_seconds)
    if delivery.kind == DeliveryKind.resume:
        return RetryDecision(give_up=False, delay_seconds=delay)
    return RetryDecision(give_up=not error.retryable or since_retry >= settings.outbox_max_attempts,
                         delay_seconds=delay)


class OutboxWorker:
    def __init__(self, *, session_factory: Callable[[], Session], settings: Settings, rasa: RasaClient) -> None:
        self._session_factory = session_factory
        self._settings = settings
        self._rasa = rasa
        self._wake = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None

    def wake(self) -> None:
        """Thread-safe: called after a commit that wrote outbox rows."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._wake.set)

    async def run_forever(self) -> None:
        self._loop = asyncio.get_running_loop()
        while True:
            try:
                sent = await self.run_once()
            except Exception:  # keep the worker alive through a database hiccup
                log.exception("outbox pass failed")
                sent = 0
            if sent:
                continue
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=self._settings.outbox_poll_seconds)
            except asyncio.TimeoutError:
                pass
            self._wake.clear()

    async def run_once(self) -> int:
        """One pass: the due head row of each conversation, sent concurrently. Returns how many were delivered."""
        due = await asyncio.to_thread(self._load_due)
        results = await asyncio.gather(*(self._deliver(row) for row in due))
        return sum(results)

    def _load_due(self) -> list[Delivery]:
        with self._session_factory() as session:
            rows = deliveries.due_deliveries(session=session)
            session.expunge_all()
            return rows

    def _db(self, fn: Callable[..., Any], **kwargs: Any) -> Any:
        with self._session_factory() as session:
            result = fn(session=session, **kwargs)
            session.commit()
            return result

    async def _deliver(self, delivery: Delivery) -> int:
        lease = await asyncio.to_thread(
            self._db, deliveries.lease_delivery, delivery_id=delivery.id, lease_seconds=LEASE_SECONDS
        )
        if lease is None:
            return 0
        # Another replica may have tried this row since it was read: the lease's counters are the truth.
        attempt = lease.attempts
        delivery.attempts_before_retry = lease.attempts_before_retry
        delivery.first_attempt_at = lease.first_attempt_at
        try:
            if attempt > 1 and already_in_tracker(delivery, await self._rasa.tracker_events(delivery.conversation_id)):
                log.info("delivery %s already in tracker; not re-sending", delivery.id)
            else:
                said = await self._send(delivery)
                if said and delivery.ticket_id is not None:
                    # Kept with the ticket so REST customers (who cannot be pushed to) read them too.
                    await asyncio.to_thread(self._db, tickets.record_bot_messages, ticket_id=delivery.ticket_id,
                                            texts=said)
        except RasaError as exc:
            decision = retry_decision(delivery, attempt, exc, self._settings)
            log.warning("delivery %s attempt %s failed (%s)%s", delivery.id, attempt, exc,
                        "; giving up" if decision.give_up else "")
            await asyncio.to_thread(
                self._db,
                deliveries.mark_retry,
                delivery_id=delivery.id,
                error=str(exc),
                retry_at=utcnow() + timedelta(seconds=decision.delay_seconds),
                give_up=decision.give_up,
            )
            return 0
        await asyncio.to_thread(self._db, deliveries.mark_delivered, delivery_id=delivery.id)
        return 1

    async def _send(self, delivery: Delivery) -> list[str]:
        if delivery.kind == DeliveryKind.trigger_intent:
            return await self._rasa.trigger_intent(
                delivery.conversation_id, delivery.payload["name"], delivery.payload.get("entities") or {}
            )
        await self._rasa.append_events(delivery.conversation_id, rasa_events_for(delivery))
        return []
