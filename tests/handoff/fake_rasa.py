"""A real tiny HTTP server standing in for Rasa's HTTP API (tracker events, trigger_intent, tracker).

It records every request, keeps a tracker per conversation, and can be told to answer 503
(``down = True``), or to store the events and *then* answer 503 (``accept_then_fail``: the
reply got through but the sender never heard so).
"""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse


class FakeRasa:
    def __init__(self, known_intents: tuple[str, ...] = ("EXTERNAL_handoff_resolved",), token: str = "") -> None:
        self.known_intents = set(known_intents)
        self.token = token
        self.down = False
        self.accept_then_fail = 0
        self.requests: list[dict[str, Any]] = []
        self.trackers: dict[str, list[dict[str, Any]]] = {}
        self.lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> FakeRasa:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def events(self, conversation_id: str, kind: str | None = None) -> list[dict[str, Any]]:
        with self.lock:
            return [e for e in self.trackers.get(conversation_id, []) if kind is None or e.get("event") == kind]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: Any) -> None:
                pass

            def _reply(self, status: int, body: Any) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _handle(self, method: str) -> None:
                parsed = urlparse(self.path)
                query = {k: v[0] for k, v in parse_qs(parsed.query).items()}
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length)) if length else None
                parts = parsed.path.strip("/").split("/")
                conversation_id = unquote(parts[1]) if len(parts) > 1 else ""
                action = "/".join(parts[2:])
                with fake.lock:
                    fake.requests.append({"method": method, "action": action, "conversation_id": conversation_id,
                                          "query": query, "body": body, "at": time.time()})
                    if fake.down:
                        return self._reply(503, {"status": "failure", "reason": "down"})
                    if fake.token and query.get("token") != fake.token:
                        return self._reply(401, {"reason": "NotAuthenticated"})
                    tracker = fake.trackers.setdefault(conversation_id, [])
                    if method == "GET" and action == "tracker":
                        return self._reply(200, {"sender_id": conversation_id, "events": list(tracker)})
                    if method == "POST" and action == "tracker/events":
                        events = body if isinstance(body, list) else [body]
                        tracker.extend({**e, "timestamp": time.time()} for e in events)
                    elif method == "POST" and action == "trigger_intent":
                        if body["name"] not in fake.known_intents:
                            return self._reply(404, {"reason": "NotFound"})
                        tracker.append({"event": "user", "timestamp": time.time(),
                                        "parse_data": {"intent": {"name": body["name"]}, "entities": body.get("entities")}})
                    else:
                        return self._reply(404, {"reason": "unknown endpoint"})
                    if fake.accept_then_fail > 0:
                        fake.accept_then_fail -= 1
                        return self._reply(503, {"status": "failure", "reason": "timeout after processing"})
                    if action == "trigger_intent":
                        # Like Rasa: the bot's reply comes back with the tracker.
                        reply = {"recipient_id": conversation_id, "text": f"bot reply to {body['name']}"}
                        return self._reply(200, {"tracker": {"sender_id": conversation_id, "events": list(tracker)},
                                                 "messages": [reply]})
                return self._reply(200, {"sender_id": conversation_id, "events": list(tracker)})

            def do_GET(self) -> None:  # noqa: N802
                self._handle("GET")

            def do_POST(self) -> None:  # noqa: N802
                self._handle("POST")

        return Handler
