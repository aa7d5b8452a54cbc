"""The event bus shared by replicas: Redis pub/sub (HANDOFF_EVENT_BUS_URL=redis://host:port/db).

- Local first: an event reaches this replica's own subscribers at once, whatever Redis does; Redis
  carries it to the other replicas, which drop their own echo by origin id.
- Ordered: one publisher thread per replica sends in publish order, so a replica's events (e.g. one
  call's signals) reach every other replica in the order they were published; there is no global
  order between replicas.
- At most once: pub/sub keeps nothing. While Redis is away the publisher retries each event with
  back-off (events older than STALE_AFTER_SECONDS are dropped: consoles have reloaded by then), and
  the listener reconnects with back-off; once Redis has confirmed the subscription again each console gets
  a ``resync`` event and reloads its queue and open ticket from the database, which stays the source of truth.
"""
from __future__ import annotations

import asyncio
import json
import logging
import queue
import threading
import time
import uuid
from typing import Any

import redis
import redis.asyncio as aioredis

from handoff_service.events import CONSOLE, RESYNC, TOPICS, Event, InProcessEventBus

log = logging.getLogger("handoff_service.redis_bus")
OUTGOING_QUEUE_SIZE = 10_000
STALE_AFTER_SECONDS = 30.0
RECONNECT_BASE_SECONDS = 0.1
_STOP = object()


def reconnect_delay(failures: int, max_seconds: float) -> float:
    """Back-off after ``failures`` consecutive failures (1, 2, ...): base * 2**(failures-1), capped."""
    return min(RECONNECT_BASE_SECONDS * 2 ** min(failures - 1, 62), max_seconds)  # bounded: a long outage stays finite


class RedisEventBus:
    def __init__(self, url: str, *, prefix: str, timeout_seconds: float, reconnect_max_seconds: float) -> None:
        self._url = url
        self._prefix = prefix
        self._timeout = timeout_seconds
        self._reconnect_max = reconnect_max_seconds
        self.origin = uuid.uuid4().hex
        self._local = InProcessEventBus()
        self._outgoing: queue.Queue[Any] = queue.Queue(maxsize=OUTGOING_QUEUE_SIZE)
        self._publisher: threading.Thread | None = None
        self._listener: asyncio.Task[None] | None = None
        self._subscribed = asyncio.Event()
        self._publish_ok = True
        self.dropped = 0

    def channel(self, topic: str) -> str:
        return f"{self._prefix}:events:{topic}"

    # ---- publishing (any thread) ----------------------------------------------------------------
    def publish(self, event: Event) -> None:
        self._local.publish(event)
        try:
            payload = json.dumps({"origin": self.origin, "topic": event.topic, "type": event.type, "data": event.data})
        except (TypeError, ValueError):  # runs after a commit: never turn a saved change into an error
            log.exception("event bus: %s is not JSON; not shared with other replicas", event.type)
            return
        try:
            self._outgoing.put_nowait((time.monotonic(), self.channel(event.topic), payload))
        except queue.Full:
            self.dropped += 1
            log.warning("event bus backlog full (Redis away?): %s not shared with other replicas", event.type)

    def _publish_forever(self) -> None:
        client = redis.Redis.from_url(self._url, socket_timeout=self._timeout,
                                      socket_connect_timeout=self._timeout)
        try:
            while (item := self._outgoing.get()) is not _STOP:
                queued_at, channel, payload = item
                self._send_until_sent_or_stale(client, queued_at, channel, payload)
        finally:
            client.close()

    def _send_until_sent_or_stale(self, client: redis.Redis, queued_at: float, channel: str, payload: str) -> None:
        failures = 0
        while True:
            if time.monotonic() - queued_at > STALE_AFTER_SECONDS:
                self.dropped += 1
                return
            try:
                client.publish(channel, payload)
            except redis.RedisError as exc:
                failures += 1
                if self._publish_ok:
                    log.warning("event bus: cannot publish to Redis (%s); retrying", exc)
                self._publish_ok = False
                time.sleep(reconnect_delay(failures, self._reconnect_max))
                continue
            if not self._publish_ok:
                log.info("event bus: publishing to Redis again")
            self._publish_ok = True
            return

    # ---- subscribing (event loop) ---------------------------------------------------------------
    def subscribe(self, topic: str = CONSOLE) -> Any:
        return self._local.subscribe(topic)

    async def _listen_forever(self) -> None:
        failures = 0
        had_connection = False
        while True:
            client = aioredis.Redis.from_url(self._url, socket_connect_timeout=self._timeout, socket_keepalive=True,
                                             health_check_interval=max(self._timeout * 5, 5.0))
            try:
                async with client.pubsub() as pubsub:
                    await pubsub.subscribe(*(self.channel(t) for t in TOPICS))
                    # SUBSCRIBE is only sent here; until Redis confirms it, events published elsewhere pass
                    # this replica by. "ok" and the consoles' resync wait for the confirmations.
                    await asyncio.wait_for(self._confirmed(pubsub, len(TOPICS)), self._timeout)
                    self._subscribed.set()
                    if failures or had_connection:
                        log.info("event bus: listening to Redis again; consoles reload")
                        self._local.publish(Event(RESYNC, {"reason": "event bus reconnected"}))
                    failures = 0
                    had_connection = True
                    async for message in pubsub.listen():
                        if message.get("type") == "message":
                            self._dispatch(message.get("data"))
            except Exception as exc:  # noqa: BLE001 - the listener must outlive any failure; cancellation still stops it
                failures += 1
                log.warning("event bus: lost Redis subscription (%s); retry %d", exc, failures)
            finally:
                self._subscribed.clear()
                await client.aclose()
            await asyncio.sleep(reconnect_delay(max(failures, 1), self._reconnect_max))

    async def _confirmed(self, pubsub: Any, channels: int) -> None:
        confirmed = 0
        while confirmed < channels:
            message = await pubsub.get_message(timeout=self._timeout)
            if message is None:
                continue
            if message.get("type") == "subscribe":
                confirmed += 1
            elif message.get("type") == "message":
                self._dispatch(message.get("data"))

    def _dispatch(self, raw: Any) -> None:
        try:
            message = json.loads(raw)
            if message["origin"] == self.origin or message["topic"] not in TOPICS:
                return
            event = Event(str(message["type"]), dict(message["data"]), message["topic"])
        except (ValueError, KeyError, TypeError):
            log.warning("event bus: ignoring a malformed message")
            return
        self._local.publish(event)

    # ---- lifecycle --------------------------------------------------------------------------------
    async def start(self) -> None:
        """Start publishing and listening; wait (up to the timeout) until subscribed, so that nothing
        published after start-up is missed. A replica without Redis still serves its own consoles."""
        self._publisher = threading.Thread(target=self._publish_forever, name="event-bus-publisher", daemon=True)
        self._publisher.start()
        self._listener = asyncio.create_task(self._listen_forever(), name="event-bus-listener")
        try:
            await asyncio.wait_for(self._subscribed.wait(), timeout=self._timeout)
        except asyncio.TimeoutError:
            log.warning("event bus: Redis not reachable at start-up; serving local consoles, retrying")

    async def aclose(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            try:
                await self._listener
            except asyncio.CancelledError:
                pass
        if self._publisher is not None:
            try:
                self._outgoing.put(_STOP, timeout=self._timeout)
            except queue.Full:
                pass
            await asyncio.to_thread(self._publisher.join, self._timeout)

    def status(self) -> str:
        if self._subscribed.is_set() and self._publish_ok:
            return "ok"
        return "unavailable"

    @property
    def subscriber_count(self) -> int:
        return self._local.subscriber_count
