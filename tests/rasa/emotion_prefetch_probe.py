"""Run by tests/rasa/test_emotion_prefetch.py in Rasa's runtime, against a counting stand-in for /score.

    .venv-rasa/bin/python tests/rasa/emotion_prefetch_probe.py -> JSON on stdout
"""
from __future__ import annotations

import json
import threading
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
    return result


if __name__ == "__main__":
    print(json.dumps(main()))
