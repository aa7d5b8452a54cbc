"""A real socket.io server standing in for Rasa's website channel (credentials.yml ``socketio``), for the
widget's browser tests: it confirms sessions into the room named by ``session_id`` like Rasa does with
session_persistence, records what the customer sends, and lets a test push ``bot_uttered`` messages."""
from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import socketio

from .helpers import LiveServer


class FakeRasaSocket:
    def __init__(self) -> None:
        self.sio = socketio.AsyncServer(async_mode="asgi", cors_allowed_origins="*")
        self.received: list[dict[str, Any]] = []
        self.session_requests: list[dict[str, Any]] = []
        self.auth: list[Any] = []
        self.lock = threading.Lock()
        self.loop: asyncio.AbstractEventLoop | None = None
        self.server = LiveServer(socketio.ASGIApp(self.sio, socketio_path="socket.io"))
        sio = self.sio

        @sio.event
        async def connect(sid: str, environ: dict, auth: Any = None) -> None:
            self.loop = asyncio.get_running_loop()
            with self.lock:
                self.auth.append(auth)

        @sio.on("session_request")
        async def session_request(sid: str, data: dict) -> None:
            with self.lock:
                self.session_requests.append(data)
            await sio.enter_room(sid, data["session_id"])
            await sio.emit("session_confirm", data["session_id"], room=sid)

        @sio.on("user_uttered")
        async def user_uttered(sid: str, data: dict) -> None:
            with self.lock:
                self.received.append(data)

    @property
    def url(self) -> str:
        return self.server.url

    def __enter__(self) -> "FakeRasaSocket":
        self.server.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.__exit__(*exc)

    def say(self, session_id: str, message: dict[str, Any]) -> None:
        """Push a bot message into the visitor's room (what Rasa does for the bot, an agent or a notice)."""
        assert self.loop is not None, "no client has connected yet"
        future = asyncio.run_coroutine_threadsafe(self.sio.emit("bot_uttered", message, room=session_id), self.loop)
        future.result(timeout=5)

    def texts(self) -> list[str]:
        with self.lock:
            return [m.get("message", "") for m in self.received]

    def wait_for_text(self, text: str, timeout: float = 10.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                for message in self.received:
                    if message.get("message") == text:
                        return message
            time.sleep(0.05)
        raise AssertionError(f"the widget never sent {text!r}; sent: {self.texts()}")
