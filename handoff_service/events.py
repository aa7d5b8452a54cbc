"""Publish/subscribe for live console updates and video signalling.

``EventBus`` is the small interface the rest of the service uses. ``InProcessEventBus`` serves one
process (the embedded default, no server needed); ``handoff_service.redis_bus.RedisEventBus`` shares
events between replicas and is chosen by HANDOFF_EVENT_BUS_URL (see ``make_event_bus``).
Events carry a topic: consoles subscribe to ``console``, video rooms to ``video``.
Publishing happens from worker threads (sync routes) and from the event loop; subscribers live on
the event loop, so delivery hops threads with ``call_soon_threadsafe``. Delivery is at most once
and in publish order per publisher; a subscriber that falls behind loses events, not the service.
"""
from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

log = logging.getLogger("handoff_service.events")
SUBSCRIBER_QUEUE_SIZE = 1000
CONSOLE = "console"
VIDEO = "video"
TOPICS = (CONSOLE, VIDEO)
# Sent to consoles when live events may have been missed (the shared bus reconnected): reload the queue.
RESYNC = "resync"


@dataclass(frozen=True)
class Event:
    type: str  # ticket.created | ticket.message | ticket.status | agent.presence | resync | video kinds
    data: dict[str, Any] = field(default_factory=dict)
    topic: str = CONSOLE


class EventBus(Protocol):
    def publish(self, event: Event) -> None: ...

    def subscribe(self, topic: str = CONSOLE) -> Any:  # async context manager yielding an async iterator of Event
        ...

    async def start(self) -> None: ...

    async def aclose(self) -> None: ...

    def status(self) -> str: ...


class _Subscriber:
    def __init__(self, loop: asyncio.AbstractEventLoop, topic: str) -> None:
        self.loop = loop
        self.topic = topic
        self.queue: asyncio.Queue[Event] = asyncio.Queue(maxsize=SUBSCRIBER_QUEUE_SIZE)

    def offer(self, event: Event) -> None:
        # A console that stops reading loses live events, not the service; it reloads the queue on reconnect.
        if not self.queue.full():
            self.queue.put_nowait(event)

    async def __aiter__(self) -> AsyncIterator[Event]:
        while True:
            yield await self.queue.get()


class InProcessEventBus:
    """Fan-out to the subscribers of this process."""

    def __init__(self) -> None:
        self._subscribers: set[_Subscriber] = set()
        self._lock = threading.Lock()

    def publish(self, event: Event) -> None:
        with self._lock:
            subscribers = [s for s in self._subscribers if s.topic == event.topic]
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        for subscriber in subscribers:
            if running is subscriber.loop:
                subscriber.offer(event)
            elif not subscriber.loop.is_closed():
                subscriber.loop.call_soon_threadsafe(subscriber.offer, event)

    @asynccontextmanager
    async def subscribe(self, topic: str = CONSOLE) -> AsyncIterator[_Subscriber]:
        subscriber = _Subscriber(asyncio.get_running_loop(), topic)
        with self._lock:
            self._subscribers.add(subscriber)
        try:
            yield subscriber
        finally:
            with self._lock:
                self._subscribers.discard(subscriber)

    async def start(self) -> None:
        return None

    async def aclose(self) -> None:
        return None

    def status(self) -> str:
        return "in-process"

    @property
    def subscriber_count(self) -> int:
        with self._lock:
            return len(self._subscribers)


def make_event_bus(url: str, *, prefix: str, timeout_seconds: float, reconnect_max_seconds: float) -> EventBus:
    """In-process when ``url`` is empty (one replica), else the shared Redis bus."""
    if not url:
        return InProcessEventBus()
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise ValueError(f"HANDOFF_EVENT_BUS_URL must be empty or a redis:// URL, got {url!r}")
    from handoff_service.redis_bus import RedisEventBus

    return RedisEventBus(url, prefix=prefix, timeout_seconds=timeout_seconds,
                         reconnect_max_seconds=reconnect_max_seconds)
