"""Run by tests/rasa/test_emotion_prefetch.py in Rasa's runtime, against a counting stand-in for /score.

    .venv-rasa/bin/python tests/rasa/emotion_prefetch_probe.py -> JSON on stdout
"""
from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from rasa.shared.nlu.training_data.message import Message

from rasa_addons import emotion_scoring
from rasa_addons.emotion_scoring import MAX_PREFETCHED, EmotionScorer

requests_seen: list[list[str]] = []


class Score(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802
        texts = json.loads(self.rfile.read(int(self.headers["Content-Length"])))["texts"]
        requests_seen.append(texts)
        body = json.dumps({"scores": [{"intensity": len(t) / 100} for t in texts]}).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


class RawScorer:
    """A /score stand-in on a bare socket, to misbehave as a real server can: ``behaviour`` per connection is
    "keep-then-drop" (answers one request as HTTP/1.1 keep-alive, then closes without a word, as an idle
    timeout does), "drop" (closes before answering), "500", "not-json" or "slow" (answers after 1 s)."""

    def __init__(self, behaviour: str) -> None:
        self.behaviour, self.connections, self.answered = behaviour, 0, 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}/score"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            connection, _ = self.listener.accept()
            self.connections += 1
            with connection:
                request = b""
                while b"\r\n\r\n" not in request:
                    request += connection.recv(65536)
                head, body = request.split(b"\r\n\r\n", 1)
                length = int([line.split(b":")[1] for line in head.split(b"\r\n")
                              if line.lower().startswith(b"content-length")][0])
                while len(body) < length:
                    body += connection.recv(65536)
                if self.behaviour == "drop":
                    continue
                if self.behaviour == "slow":
                    time.sleep(1.0)
                texts = json.loads(body)["texts"]
                status, payload = "200 OK", json.dumps({"scores": [{"intensity": 0.5} for _ in texts]}).encode()
                if self.behaviour == "500":
                    status = "500 Internal Server Error"
                elif self.behaviour == "not-json":
                    payload = b"<html>gateway</html>"
                try:
                    connection.sendall(f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\n"
                                       f"Content-Length: {len(payload)}\r\n\r\n".encode() + payload)
                    self.answered += 1
                except OSError:
                    pass


def failure_modes() -> dict:
    """What one scorer makes of each misbehaviour: the scores it got, connections made, time taken."""
    results = {}
    for behaviour in ("keep-then-drop", "drop", "500", "not-json", "slow"):
        server = RawScorer(behaviour)
        scorer = EmotionScorer({"url": server.url, "timeout": 0.3, "retry_after": 60})
        started = time.monotonic()
        first = scorer._request(["one"])
        second = scorer._request(["two"])  # on the kept connection, which the server has closed
        results[behaviour] = {"first": first, "second": second, "connections": server.connections,
                              "seconds": round(time.monotonic() - started, 2)}
    return results


def score_of(scorer: EmotionScorer, text: str) -> dict:
    message = Message(data={"text": text})
    scorer.process([message])
    return message.get("emotion")


def main() -> dict:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Score)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/score"
    result = {}
    emotion_scoring.prefetch("before any model")  # no scorer loaded yet: nothing is sent
    result["without_scorer"] = len(requests_seen)
    scorer = EmotionScorer.create({"url": url, "timeout": 2, "retry_after": 60}, None, None, None)
    emotion_scoring.prefetch("my claim was refused")
    emotion_scoring._prefetched["my claim was refused"].result()
    result["prefetched_requests"] = list(requests_seen)
    result["collected"] = score_of(scorer, "my claim was refused")
    result["after_collect"] = len(requests_seen)
    result["not_prefetched"] = score_of(scorer, "hello")
    result["after_not_prefetched"] = len(requests_seen)
    for i in range(MAX_PREFETCHED + 10):
        emotion_scoring.prefetch(f"message {i}")
    result["pending"] = len(emotion_scoring._prefetched)
    result["oldest_dropped"] = "message 0" not in emotion_scoring._prefetched
    server.shutdown()
    server.server_close()
    result["down"] = score_of(scorer, "is anyone there")  # the scorer is gone: unavailable, then paused
    before = len(emotion_scoring._prefetched)
    emotion_scoring.prefetch("while paused")
    result["prefetch_while_paused"] = len(emotion_scoring._prefetched) - before
    result["failure_modes"] = failure_modes()
    return result


if __name__ == "__main__":
    print(json.dumps(main()))
