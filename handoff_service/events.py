"""Publish/subscribe for live console updates.

``EventBus`` is the small interface the rest of the service uses; ``InProcessEventBus`` serves one
process. A Redis or PostgreSQL LISTEN/NOTIFY backend would implement the same two methods.
Publishing happens from worker threads (sync routes), subscribers live on the event loop, so
delivery hops threads with ``call_soon_threadsafe``.
"""
from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

SUBSCRIBER_QUEUE_SIZE = 1000


@dataclass(frozen=True)
class Event:
    type: str  # ticket.created | ticket.message | ticket.status
    data: dict[str, Any] = field(default_factory=dict)


class EventBus(Protocol):
    def publish(self, event: Event) -> None: ...

    def subscribe(self) -> Any:  # async context manager yielding an async iterator of Event
        ...


class _Subscriber:
    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.queue: asyncio.Queue[Event] = asyncio.Queue(maxsize=SUBSCRIBER_QUEUE_SIZE)

    def offer(self, event: Event) -> None:
        # A console that stops reading loses live events, not the service; it reloads the queue on reconnect.
        if not self.queue.full():
            self.queue.put_nowait(event)

    async def __aiter__(self) -> AsyncIterator[Event]:
        while True:
            yield await self.queue.get()


class InProcessEventBus:
    def __init__(self) -> None:
        self._subscribers: set[_Subscriber] = set()
        self._lock = threading.Lock()

    def publish(self, event: Event) -> None:
        with self._lock:
            subscribers = list(self._subscribers)
        for subscriber in subscribers:
            try:
                running = asyncio.get_running_loop()
            except RuntimeError:
                running = None
            if running is subscriber.loop:
                subscriber.offer(event)
            elif not subscriber.loop.is_closed():
                subscriber.loop.call_soon_threadsafe(subscriber.offer, event)

    @asynccontextmanager
    async def subscribe(self) -> AsyncIterator[_Subscriber]:
        subscriber = _Subscriber(asyncio.get_running_loop())
        with self._lock:
            self._subscribers.add(subscriber)
        try:
            yield subscriber
        finally:
            with self._lock:
                self._subscribers.discard(subscriber)

    @property
    def subscriber_count(self) -> int:
        with self._lock:
            return len(self._subscribers)
