"""Website replies that reach a socket held by another Rasa replica (production profile, issue #18).

A browser's socket.io connection lives in one Rasa process (nginx routes it there, sticky per client
address). Rasa's socket.io output channel emits a reply to the room named by the sender id; with two
replicas, a reply produced by the other one — the agent's message or the bot's return, which the handoff
service sends through nginx to the least busy replica (``output_channel=latest``) — was emitted into a room
that process had no socket in, and the customer never saw it live.

``CHAT_SOCKET_BUS_URL`` (a ``redis://`` URL; the production profile sets it) gives every replica's
socket.io server this client manager:

- Local first: a room with a socket in this process is served directly, so the bot's own replies never
  depend on Redis; only a room with no local socket is published for the other replicas.
- JSON, never pickle: python-socketio's Redis manager pickles its messages and unpickles whatever arrives
  on the channel, so anyone able to publish to Redis could run code in Rasa. Here messages are JSON and a
  message that is not a JSON object is dropped.
- At most once, like Redis pub/sub: a reply published while no replica holds the socket, or while Redis is
  away, is lost to the live view only; it stays in the conversation's record (Rasa's tracker store), which
  the agent's console reads.
"""
from __future__ import annotations

import asyncio
import json
import logging
from typing import Any, AsyncIterator, Optional

from socketio import AsyncRedisManager

logger = logging.getLogger(__name__)
PUBLISH_ATTEMPTS = 2  # the second on a fresh connection: one dropped connection costs no reply
RECONNECT_FIRST_SECONDS = 0.1
RECONNECT_MAX_SECONDS = 10.0


def reconnect_delay(failures: int) -> float:
    """Wait after ``failures`` consecutive failures to listen (1, 2, ...): doubling from the first, capped."""
    return min(RECONNECT_FIRST_SECONDS * 2 ** min(failures - 1, 62), RECONNECT_MAX_SECONDS)


class JsonSocketBus(AsyncRedisManager):
    """python-socketio's Redis client manager with local-first emits and JSON messages."""

    name = "heard-json-redis"

    def has_local_member(self, namespace: str, room: Any) -> bool:
        return bool(room is not None and self.rooms.get(namespace or "/", {}).get(room))

    async def emit(self, event: str, data: Any, namespace: Optional[str] = None, room: Any = None,
                   skip_sid: Any = None, callback: Any = None, **kwargs: Any) -> Any:
        if self.has_local_member(namespace or "/", room):
            kwargs["ignore_queue"] = True
        return await super().emit(event, data, namespace=namespace, room=room, skip_sid=skip_sid,
                                  callback=callback, **kwargs)

    async def _publish(self, data: Any) -> Any:
        try:
            payload = json.dumps(data)
        except (TypeError, ValueError) as error:  # a reply that cannot travel must not fail the turn
            logger.warning("chat socket bus: not published, not JSON: %s", error)
            return None
        for attempt in range(1, PUBLISH_ATTEMPTS + 1):
            try:
                if attempt > 1:
                    self._redis_connect()
                return await self.redis.publish(self.channel, payload)
            except Exception as error:  # redis' errors and OSError alike: a lost reply must not fail the turn
                logger.warning("chat socket bus: publish failed (attempt %d of %d): %s", attempt, PUBLISH_ATTEMPTS,
                               error)
        return None

    async def _listen(self) -> AsyncIterator[dict]:
        # python-socketio subscribes outside its retry loop and its caller retries at once: with Redis away
        # at start that is a busy loop. Here every failure waits, doubling up to RECONNECT_MAX_SECONDS.
        channel = self.channel.encode("utf-8")
        failures = 0
        while True:
            try:
                await self.pubsub.subscribe(self.channel)
                failures = 0
                async for message in self.pubsub.listen():
                    if message.get("type") == "message" and message.get("channel") == channel:
                        decoded = _json_object(message.get("data"))
                        if decoded is not None:
                            yield decoded
            except asyncio.CancelledError:
                raise
            except Exception as error:
                failures += 1
                delay = reconnect_delay(failures)
                logger.warning("chat socket bus: cannot listen (%s); retrying in %.1f s", error, delay)
                await asyncio.sleep(delay)
                self._redis_connect()


def _json_object(raw: Any) -> Optional[dict]:
    try:
        message = json.loads(raw)
    except (TypeError, ValueError):
        message = None
    if isinstance(message, dict):
        return message
    logger.warning("chat socket bus: dropped a message that is not a JSON object")
    return None


def client_manager(url: str, channel: str) -> Optional[JsonSocketBus]:
    """The manager for ``AsyncServer(client_manager=...)``; None keeps python-socketio's in-process one."""
    return JsonSocketBus(url, channel=channel) if url else None
