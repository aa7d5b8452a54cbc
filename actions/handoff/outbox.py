"""Handoff work kept in the action server's database until the handoff service has taken it.

When the handoff service is down, a customer's handoff request, the messages they write to the
agent, and their survey answer are not lost: each is stored here first and sent in order, with
backoff, by the next turn or by the action server's retry loop. Every call it makes is idempotent
on the service side (one open ticket per conversation, ``external_id`` on messages, first survey
answer stands), so a retry after an unclear failure cannot duplicate anything.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import logging
from typing import Any, Optional

from sqlalchemy import JSON, DateTime, Integer, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from actions import config
from actions.clients.handoff import HandoffClient, HandoffRejected, HandoffUnavailable
from actions.clients.rasa import RasaClient, RasaUnavailable
from actions.insurance.db import session_scope
from actions.insurance.models import Base

logger = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 60.0
_flush_lock = asyncio.Lock()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


class HandoffWork(Base):
    __tablename__ = "handoff_outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(255), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    done_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime, nullable=True)
    last_error: Mapped[Optional[str]] = mapped_column(Text, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)


def _enqueue(conversation_id: str, kind: str, payload: dict[str, Any]) -> None:
    with session_scope() as session:
        session.add(HandoffWork(conversation_id=conversation_id, kind=kind, payload=payload))


def enqueue_relay(conversation_id: str, text: str, external_id: str, cancel_if_waiting: bool = False,
                  urgent_notice: str | None = None, emotion: dict[str, Any] | None = None) -> None:
    _enqueue(conversation_id, "relay", {"text": text, "external_id": external_id,
                                        "cancel_if_waiting": cancel_if_waiting, "urgent_notice": urgent_notice,
                                        "emotion": emotion or {}})


def enqueue_ticket(conversation_id: str, ticket: dict[str, Any]) -> None:
    _enqueue(conversation_id, "create_ticket", {"ticket": ticket})


def enqueue_survey(conversation_id: str, score: int, comment: str | None, ticket_id: int | None) -> None:
    _enqueue(conversation_id, "survey", {"score": score, "comment": comment, "ticket_id": ticket_id})


def relayed_ids(conversation_id: str) -> set[str]:
    """The message ids already handed to the outbox for this conversation (sent or still waiting)."""
    with session_scope() as session:
        payloads = session.scalars(select(HandoffWork.payload).where(
            HandoffWork.conversation_id == conversation_id, HandoffWork.kind == "relay"))
        return {payload.get("external_id") for payload in payloads}


def has_pending(conversation_id: str, kind: str) -> bool:
    with session_scope() as session:
        return session.scalar(select(HandoffWork.id).where(
            HandoffWork.conversation_id == conversation_id, HandoffWork.kind == kind,
            HandoffWork.done_at.is_(None)).limit(1)) is not None


async def _perform(work: HandoffWork, handoff: HandoffClient, rasa: RasaClient) -> None:
    payload, conversation = work.payload, work.conversation_id
    if work.kind == "relay":
        # A message that cancels the wait is answered by the cancellation, not by "added to your request".
        await handoff.relay_customer_message(conversation, payload["text"], payload["external_id"],
                                             acknowledge=not payload.get("cancel_if_waiting"),
                                             urgent_notice=payload.get("urgent_notice"),
                                             emotion=payload.get("emotion"))
        if payload.get("cancel_if_waiting"):
            ticket = await handoff.open_ticket(conversation)
            if ticket and ticket.get("status") == "queued":
                await handoff.abandon(conversation)
    elif work.kind == "create_ticket":
        created = await handoff.create_ticket(payload["ticket"])
        await rasa.append_events(conversation, late_ticket_events(created))
    elif work.kind == "survey":
        await handoff.store_survey(conversation, payload["score"], payload.get("comment"), payload.get("ticket_id"))
    else:
        raise HandoffRejected(0, f"unknown work kind {work.kind}")


def late_ticket_events(created: dict[str, Any]) -> list[dict[str, Any]]:
    """Tell the customer their kept request went through, and hand the conversation over."""
    from actions.handoff.wording import wait

    queue = created.get("queue") or {}
    text = ("Thank you for waiting — our team's system is back and a colleague has your request now. "
            + wait(queue.get("position"), queue.get("eta_seconds")))
    return [
        {"event": "slot", "name": "handoff_pending", "value": False},
        {"event": "slot", "name": "handoff_ticket_id", "value": created.get("id")},
        {"event": "bot", "text": text, "metadata": {"handoff": "ticket_created"}},
        {"event": "pause"},
    ]


async def flush(conversation_id: str | None = None, handoff: HandoffClient | None = None,
                rasa: RasaClient | None = None) -> int:
    """Send due work, oldest first; a conversation stops at its first failure so order holds.

    Returns how many items were completed.
    """
    handoff, rasa = handoff or HandoffClient(), rasa or RasaClient()
    completed = 0
    async with _flush_lock:
        with session_scope() as session:
            query = select(HandoffWork).where(HandoffWork.done_at.is_(None)).order_by(HandoffWork.id)
            if conversation_id is not None:
                query = query.where(HandoffWork.conversation_id == conversation_id)
            pending = list(session.scalars(query))
            blocked: set[str] = set()
            for work in pending:
                if work.conversation_id in blocked:
                    continue
                if work.next_attempt_at > _now():
                    blocked.add(work.conversation_id)
                    continue
                try:
                    await _perform(work, handoff, rasa)
                except (HandoffUnavailable, RasaUnavailable) as error:
                    work.attempts += 1
                    work.last_error = str(error)[:1000]
                    delay = min(MAX_BACKOFF_SECONDS, config.HANDOFF_RETRY_SECONDS * 2 ** (work.attempts - 1))
                    work.next_attempt_at = _now() + dt.timedelta(seconds=delay)
                    blocked.add(work.conversation_id)
                    logger.warning("handoff work %s kept for retry: %s", work.id, error)
                    continue
                except HandoffRejected as rejected:
                    # The service understood and refused (e.g. the ticket was already closed):
                    # retrying cannot help, so the item is closed with its reason.
                    work.last_error = str(rejected)[:1000]
                    logger.warning("handoff work %s refused: %s", work.id, rejected)
                work.done_at = _now()
                completed += 1
    return completed


async def retry_forever(stop: asyncio.Event | None = None) -> None:
    """The action server's background loop."""
    while stop is None or not stop.is_set():
        try:
            await flush()
        except Exception:  # a broken database must not kill the loop; it is logged and retried
            logger.exception("handoff outbox flush failed")
        await asyncio.sleep(config.HANDOFF_RETRY_SECONDS)
