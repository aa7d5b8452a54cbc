"""The shared event bus on a real Redis (127.0.0.1:6379, channels under a prefix unique to the run):
events cross replicas once and in order, local subscribers never depend on Redis, and after an outage
(a proxy in between is cut) the bus reconnects and tells consoles to reload."""
from __future__ import annotations

import asyncio
import os
import socket
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

import pytest
import redis

from handoff_service.events import CONSOLE, RESYNC, VIDEO, Event, InProcessEventBus, make_event_bus
from handoff_service.redis_bus import (
    OUTGOING_QUEUE_SIZE,
    RECONNECT_BASE_SECONDS,
    STALE_AFTER_SECONDS,
    RedisEventBus,
    reconnect_delay,
)

REDIS_URL = os.getenv("HANDOFF_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _redis_reason() -> str | None:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        return f"Redis unreachable at {REDIS_URL}: {exc}"
    return None


@pytest.fixture
def prefix() -> Iterator[str]:
    reason = _redis_reason()
    if reason:
        pytest.skip(reason)
    name = f"heard-test-{uuid.uuid4().hex[:10]}"
    yield name
    client = redis.Redis.from_url(REDIS_URL)
    leftovers = list(client.scan_iter(f"{name}*"))
    if leftovers:
        client.delete(*leftovers)
    assert leftovers == [], "the bus should keep no keys in Redis"


def _bus(url: str, prefix: str, timeout: float = 2.0) -> RedisEventBus:
    return RedisEventBus(url, prefix=prefix, timeout_seconds=timeout, reconnect_max_seconds=0.2)


@asynccontextmanager
async def _started(*buses: RedisEventBus) -> AsyncIterator[None]:
    for bus in buses:
        await bus.start()
    try:
        yield
    finally:
        for bus in buses:
            await bus.aclose()


async def _next(subscription: AsyncIterator[Event], timeout: float = 5.0) -> Event:
    return await asyncio.wait_for(subscription.queue.get(), timeout)  # type: ignore[attr-defined]


def test_events_reach_the_other_replica_once_and_in_order(prefix: str) -> None:
    async def scenario() -> None:
        first, second = _bus(REDIS_URL, prefix), _bus(REDIS_URL, prefix)
        async with _started(first, second), first.subscribe() as mine, second.subscribe() as theirs, \
                second.subscribe(VIDEO) as video:
            for i in range(200):
                first.publish(Event("ticket.message", {"i": i, "text": "héllo 👋 <b>"}))
            first.publish(Event("signal", {"i": 0}, VIDEO))
            assert [(await _next(theirs)).data["i"] for _ in range(200)] == list(range(200))
            assert [(await _next(mine)).data["i"] for _ in range(200)] == list(range(200))
            assert (await _next(video)).data == {"i": 0}
            await asyncio.sleep(0.3)
            # No echo: the publisher's own consoles got each event once, the other replica once too.
            assert mine.queue.qsize() == 0 and theirs.queue.qsize() == 0 and video.queue.qsize() == 0
            assert first.status() == second.status() == "ok"

    asyncio.run(scenario())


def test_an_event_that_is_not_json_stays_local_and_breaks_nothing(prefix: str) -> None:
    async def scenario() -> None:
        first, second = _bus(REDIS_URL, prefix), _bus(REDIS_URL, prefix)
        async with _started(first, second), first.subscribe() as mine, second.subscribe() as theirs:
            odd = object()
            first.publish(Event("ticket.status", {"odd": odd}))
            assert (await _next(mine)).data == {"odd": odd}
            first.publish(Event("ticket.status", {"fine": 1}))
            assert (await _next(theirs)).data == {"fine": 1}

    asyncio.run(scenario())


def test_another_deployments_prefix_and_malformed_messages_are_ignored(prefix: str) -> None:
    async def scenario() -> None:
        bus = _bus(REDIS_URL, prefix)
        async with _started(bus), bus.subscribe() as subscription:
            client = redis.Redis.from_url(REDIS_URL)
            client.publish(f"{prefix}-other:events:console", '{"origin": "x", "topic": "console", "type": "a", '
                                                             '"data": {}}')
            for junk in ("not json", "[]", '{"origin": "x"}', '{"origin": "x", "topic": "nope", "type": "a", '
                                                              '"data": {}}'):
                client.publish(bus.channel(CONSOLE), junk)
            client.publish(bus.channel(CONSOLE), '{"origin": "x", "topic": "console", "type": "ok", "data": {}}')
            assert (await _next(subscription)).type == "ok"
            assert subscription.queue.qsize() == 0

    asyncio.run(scenario())


class CuttableProxy:
    """A TCP proxy to Redis whose connections can be cut and refused, to stage an outage."""

    def __init__(self, target: tuple[str, int], delay_to_server: float = 0.0) -> None:
        self.target = target
        self.delay_to_server = delay_to_server  # a slow link: commands reach Redis this much later
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen()
        self.port = self.listener.getsockname()[1]
        self.accepting = True
        self.sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self.accepting:
                client.close()
                continue
            upstream = socket.create_connection(self.target)
            self.sockets += [client, upstream]
            for a, b, delay in ((client, upstream, self.delay_to_server), (upstream, client, 0.0)):
                threading.Thread(target=self._pipe, args=(a, b, delay), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket, delay: float) -> None:
        try:
            while data := source.recv(65536):
                time.sleep(delay)
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def cut(self) -> None:
        self.accepting = False
        for s in self.sockets:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self.sockets.clear()

    def restore(self) -> None:
        self.accepting = True

    def close(self) -> None:
        self.cut()
        self.listener.close()


def test_after_an_outage_the_bus_reconnects_and_consoles_reload(prefix: str) -> None:
    host, port = "127.0.0.1", int(REDIS_URL.rsplit(":", 1)[1].split("/")[0])
    proxy = CuttableProxy((host, port))

    async def scenario() -> None:
        behind_proxy = _bus(f"redis://127.0.0.1:{proxy.port}/0", prefix, timeout=0.5)
        direct = _bus(REDIS_URL, prefix)
        await behind_proxy.start()
        await direct.start()
        try:
            async with behind_proxy.subscribe() as console, direct.subscribe() as elsewhere:
                direct.publish(Event("ticket.created", {"n": 1}))
                assert (await _next(console)).data == {"n": 1}
                proxy.cut()
                for _ in range(100):
                    if behind_proxy.status() == "unavailable":
                        break
                    await asyncio.sleep(0.05)
                assert behind_proxy.status() == "unavailable"
                # Its own consoles still hear what this replica does while Redis is away.
                behind_proxy.publish(Event("ticket.status", {"local": True}))
                assert (await _next(console)).data == {"local": True}
                proxy.restore()
                resync = await _next(console, timeout=10)
                assert resync.type == RESYNC
                # Resync means listening again: what is published from now on arrives.
                assert behind_proxy.status() == "ok"
                direct.publish(Event("ticket.created", {"n": 2}))
                assert (await _next(console)).data == {"n": 2}
                # What it published during the outage reaches the other replica once Redis is back.
                received = [(await _next(elsewhere, timeout=10)).data for _ in range(3)]
                assert sorted(map(str, received)) == ["{'local': True}", "{'n': 1}", "{'n': 2}"]
                for _ in range(100):
                    if behind_proxy.status() == "ok":
                        break
                    await asyncio.sleep(0.05)
                assert behind_proxy.status() == "ok"
        finally:
            await behind_proxy.aclose()
            await direct.aclose()

    try:
        asyncio.run(scenario())
    finally:
        proxy.close()


def test_started_means_subscribed_even_when_redis_confirms_slowly(prefix: str) -> None:
    """start() (and a resync) wait for Redis to confirm the subscription, not just for it to be sent."""
    host, port = "127.0.0.1", int(REDIS_URL.rsplit(":", 1)[1].split("/")[0])
    proxy = CuttableProxy((host, port), delay_to_server=0.3)

    async def scenario() -> None:
        slow, direct = _bus(f"redis://127.0.0.1:{proxy.port}/0", prefix, timeout=5.0), _bus(REDIS_URL, prefix)
        async with _started(direct, slow), slow.subscribe() as console:
            assert slow.status() == "ok"
            direct.publish(Event("ticket.created", {"n": 1}))  # at once, as a console loading after start would
            assert (await _next(console)).data == {"n": 1}

    try:
        asyncio.run(scenario())
    finally:
        proxy.close()


def test_a_replica_starts_without_redis_and_serves_its_own_consoles() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead_port = probe.getsockname()[1]

    async def scenario() -> None:
        bus = _bus(f"redis://127.0.0.1:{dead_port}/0", "heard-test-dead", timeout=0.3)
        await bus.start()  # waits at most the timeout, then serves anyway
        try:
            assert bus.status() == "unavailable"
            async with bus.subscribe() as console:
                bus.publish(Event("ticket.created", {"n": 1}))
                assert (await _next(console)).data == {"n": 1}
        finally:
            await bus.aclose()

    asyncio.run(scenario())


@pytest.mark.parametrize(("failures", "delay"), [(1, 0.1), (2, 0.2), (3, 0.4), (7, 6.4), (8, 10.0), (9, 10.0),
                                                 (10_000, 10.0)])
def test_reconnect_back_off_doubles_from_a_tenth_of_a_second_to_the_cap(failures: int, delay: float) -> None:
    assert RECONNECT_BASE_SECONDS == 0.1
    assert reconnect_delay(failures, 10.0) == pytest.approx(delay)


def test_the_bus_is_chosen_by_its_url() -> None:
    assert isinstance(make_event_bus("", prefix="p", timeout_seconds=1, reconnect_max_seconds=1), InProcessEventBus)
    assert isinstance(make_event_bus("redis://127.0.0.1:6379/0", prefix="p", timeout_seconds=1,
                                     reconnect_max_seconds=1), RedisEventBus)
    with pytest.raises(ValueError, match="HANDOFF_EVENT_BUS_URL"):
        make_event_bus("postgresql://x/y", prefix="p", timeout_seconds=1, reconnect_max_seconds=1)


class RecordingClient:
    def __init__(self) -> None:
        self.sent: list[str] = []

    def publish(self, _channel: str, payload: str) -> None:
        self.sent.append(payload)


@pytest.mark.parametrize(("age", "sent"), [(0.0, True), (29.5, True), (30.5, False), (3600.0, False)])
def test_an_event_held_back_over_thirty_seconds_is_dropped_not_sent(age: float, sent: bool) -> None:
    assert STALE_AFTER_SECONDS == 30.0
    bus = _bus("redis://127.0.0.1:1/0", "heard-test-stale")
    client = RecordingClient()
    bus._send_until_sent_or_stale(client, time.monotonic() - age, "channel", "payload")  # type: ignore[arg-type]  # noqa: SLF001
    assert client.sent == (["payload"] if sent else [])
    assert bus.dropped == (0 if sent else 1)


def test_a_full_backlog_drops_new_events_and_counts_them() -> None:
    assert OUTGOING_QUEUE_SIZE == 10_000
    bus = _bus("redis://127.0.0.1:1/0", "heard-test-backlog")  # never started: nothing drains the backlog
    for i in range(OUTGOING_QUEUE_SIZE + 3):
        bus.publish(Event("ticket.message", {"i": i}))
    assert bus.dropped == 3
