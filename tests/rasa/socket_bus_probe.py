"""Runs in Rasa's runtime: two socket.io servers (two "replicas") sharing rasa_addons/socket_bus.py over Redis.

    .venv-rasa/bin/python tests/rasa/socket_bus_probe.py

A browser-like client connects to server A and joins the room of its sender id, as SignedSocketIOInput
does. Prints one JSON line with what the client received and what went over the Redis channel.
"""
from __future__ import annotations

import asyncio
import json
import logging
import pickle
import sys
import uuid

import redis.asyncio as aioredis
import socketio
from aiohttp import web

from rasa_addons.socket_bus import JsonSocketBus, client_manager, reconnect_delay
from tests.rasa.local_server import serve

REDIS_URL = "redis://127.0.0.1:6379/0"
UNREACHABLE_REDIS_URL = "redis://127.0.0.1:9/0"  # the discard port: nothing answers Redis there
ROOM = "web:probe-customer"
UNPICKLED: list[str] = []
LISTEN_FAILURES: list[str] = []
PUBLISH_FAILURES: list[str] = []


class CountListenFailures(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        if "cannot listen" in record.getMessage():
            LISTEN_FAILURES.append(record.getMessage())
        if "publish failed" in record.getMessage() or "not JSON" in record.getMessage():
            PUBLISH_FAILURES.append(record.getMessage())


class Tripwire:
    """Unpickling this records it: the bus must never unpickle what arrives on its channel."""

    def __reduce__(self):
        return (UNPICKLED.append, ("unpickled",))


async def start_server(url: str, channel: str) -> tuple[socketio.AsyncServer, web.AppRunner, int]:
    sio = socketio.AsyncServer(async_mode="aiohttp", client_manager=client_manager(url, channel))

    @sio.on("connect")
    async def connect(sid, environ, auth=None):
        sio.enter_room(sid, ROOM)

    app = web.Application()
    sio.attach(app)
    runner, port = await serve(app)
    return sio, runner, port


async def wait_until(condition, seconds: float = 5.0) -> bool:
    for _ in range(int(seconds / 0.05)):
        if condition():
            return True
        await asyncio.sleep(0.05)
    return condition()


async def main() -> dict:
    channel = f"heard-test:{uuid.uuid4().hex}:chat-sockets"
    published: list[str] = []
    raw = aioredis.Redis.from_url(REDIS_URL)
    listener = raw.pubsub(ignore_subscribe_messages=True)
    await listener.subscribe(channel)

    async def collect() -> None:
        async for message in listener.listen():
            if message["type"] == "message":
                published.append(message["data"].decode("utf-8", "replace"))

    collecting = asyncio.ensure_future(collect())
    server_a, runner_a, port_a = await start_server(REDIS_URL, channel)
    server_b, runner_b, _ = await start_server(REDIS_URL, channel)
    received: list[dict] = []
    client = socketio.AsyncClient(reconnection=False)
    client.on("bot_uttered", lambda data: received.append(data))
    await client.connect(f"http://127.0.0.1:{port_a}", transports=["websocket"])
    await asyncio.sleep(0.3)  # A's manager subscribes when its first socket connects

    await server_b.emit("bot_uttered", {"text": "from the other replica"}, room=ROOM)
    across = await wait_until(lambda: any(m["text"] == "from the other replica" for m in received))
    await server_a.emit("bot_uttered", {"text": "from its own replica"}, room=ROOM)
    local = await wait_until(lambda: any(m["text"] == "from its own replica" for m in received))

    await raw.publish(channel, pickle.dumps({"method": "emit", "event": "bot_uttered", "data": {"text": "pickled"},
                                             "namespace": "/", "room": ROOM, "trip": Tripwire()}))
    await raw.publish(channel, b"\x80not json")
    await raw.publish(channel, json.dumps(["not", "an", "object"]))
    await server_b.emit("bot_uttered", {"text": "after the bad messages"}, room=ROOM)
    alive = await wait_until(lambda: any(m["text"] == "after the bad messages" for m in received))
    await asyncio.sleep(0.3)

    # A replica whose Redis is unreachable still serves the sockets it holds.
    server_c, runner_c, port_c = await start_server(UNREACHABLE_REDIS_URL, f"{channel}:c")
    lone: list[dict] = []
    lone_client = socketio.AsyncClient(reconnection=False)
    lone_client.on("bot_uttered", lambda data: lone.append(data))
    await lone_client.connect(f"http://127.0.0.1:{port_c}", transports=["websocket"])
    await server_c.emit("bot_uttered", {"text": "without redis"}, room=ROOM)
    without_redis = await wait_until(lambda: bool(lone))
    await asyncio.sleep(1.0)  # its listener keeps failing meanwhile: 0.1 + 0.2 + 0.4 + 0.8 s of back-off
    await server_c.emit("bot_uttered", {"text": "to nobody here"}, room="web:someone-else")  # logged, not raised
    publish_failures = list(PUBLISH_FAILURES)
    await server_b.emit("bot_uttered", {"text": {1, 2}}, room="web:someone-else")  # a set is no JSON: logged
    not_json = PUBLISH_FAILURES[len(publish_failures):]

    for connected in (client, lone_client):
        await connected.disconnect()
    for runner in (runner_a, runner_b, runner_c):
        await runner.cleanup()
    collecting.cancel()
    await listener.unsubscribe(channel)
    await raw.aclose() if hasattr(raw, "aclose") else await raw.close()
    return {
        "manager": type(server_a.manager).__name__, "no_url_manager": client_manager("", channel) is None,
        "across": across, "local": local, "alive": alive, "without_redis": without_redis,
        "received": [m["text"] for m in received], "unpickled": UNPICKLED,
        "published": published, "bus_class": JsonSocketBus.__name__,
        "publish_failures": publish_failures, "not_json": not_json,
        "listen_failures": len(LISTEN_FAILURES), "delays": [reconnect_delay(n) for n in range(1, 10)],
    }


if __name__ == "__main__":
    logging.getLogger("rasa_addons.socket_bus").addHandler(CountListenFailures())
    print(json.dumps(asyncio.run(main())))
    sys.exit(0)
