"""Runs in Rasa's runtime: what the action server reads from rasa_addons/request_json.py's bodies.

    .venv-rasa/bin/python tests/rasa/request_json_probe.py [conversations]

Bodies as Rasa sends them (``next_action``, ``sender_id``, ``tracker.current_state(ALL)``) of random conversations
over Heard's domain — user messages with parse data in many scripts and emoji, floats of every size, slots of every
kind — and odd values (NaN, Infinity, huge integers, lone surrogates, str enums, tuples, non-string keys).
Each is encoded by ``json.dumps`` and by ``request_json.encode``, and read back; then sent through the kept session
to a local server, which reads what arrived. Prints one JSON line of counts.
"""
from __future__ import annotations

import asyncio
import enum
import json
import math
import random
import sys
from pathlib import Path

from aiohttp import web
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity
from rasa.utils.endpoints import EndpointConfig

from rasa_addons import kept_connections, request_json
from tests.rasa.local_server import serve

ROOT = Path(__file__).resolve().parent.parent.parent
WORDS = ["claim", "flood", "Überschwemmung", "réclamation", "洪水", "😡", "don't", "a\\b", "\"quoted\"", "</script>",
         "tab\there", "line\nbreak", "\u2028", "policy/123"]


class Tone(str, enum.Enum):
    CALM = "calm"


def number(rng: random.Random) -> float:
    return rng.choice([rng.random(), rng.random() * 1e-9, rng.random() * 1e22, -rng.random(), 0.1 + 0.2, 1 / 3,
                       float(rng.randint(0, 10)), 5e-324, 1.7976931348623157e308, -0.0])


def conversation(rng: random.Random, domain: Domain, turns: int) -> dict:
    tracker = DialogueStateTracker("rest:" + "".join(rng.choice("abcdef0123") for _ in range(10)), domain.slots)
    tracker.update(ActionExecuted("action_session_start"))
    tracker.update(SessionStarted())
    tracker.update(ActionExecuted("action_listen"))
    for _ in range(turns):
        text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 12)))
        ranking = [{"name": intent, "confidence": number(rng)} for intent in rng.sample(domain.intents, 10)]
        parse = {"intent": ranking[0], "intent_ranking": ranking, "entities": [], "text": text,
                 "emotion": {"available": True, "negative": number(rng), "scores": [number(rng) for _ in range(6)]},
                 "knowledge": [{"id": f"kb-{rng.randint(1, 300)}", "score": number(rng), "question": text}]}
        tracker.update(UserUttered(text, ranking[0], [], parse, metadata={"channel": rng.choice(WORDS)}))
        for slot in rng.sample(domain.slots, 2):
            value = rng.choice([None, True, rng.randint(-5, 10**6), number(rng), text, [text, number(rng)],
                                {"first_name": text, "at": number(rng)}])
            tracker.update(SlotSet(slot.name, value))
        tracker.update(ActionExecuted(rng.choice(domain.user_actions), policy="RulePolicy", confidence=number(rng)))
        tracker.update(BotUttered(text, {"buttons": [{"title": text, "payload": "/affirm"}]}, {"utter_action": "x"}))
        tracker.update(ActionExecuted("action_listen"))
    return {"next_action": "action_assess_message", "sender_id": tracker.sender_id,
            "tracker": tracker.current_state(EventVerbosity.ALL), "domain": {}, "version": "3.6.21"}


ODD = [{"x": float("nan")}, {"x": float("inf"), "y": -float("inf")}, {"x": 2**70}, {"x": -(2**64)}, {"x": "\ud800"},
       {"x": Tone.CALM, Tone.CALM: 1}, {"x": (1, 2, (3,))}, {1: "a", True: "b", None: "c", 1.5: "d"},
       {"x": [{}] * 3, "y": ""}]


def nested(depth: int) -> list:
    """Deep nesting (ujson and json.dumps both go below 1,000 levels)."""
    value: list = [1]
    for _ in range(depth):
        value = [value]
    return value


def canonical(body: str) -> str:
    return json.dumps(json.loads(body), sort_keys=True)


async def main(conversations: int) -> dict:
    rng = random.Random(7)
    domain = Domain.load(str(ROOT / "domain.yml"))
    payloads = [conversation(rng, domain, rng.randint(1, 25)) for _ in range(conversations)] + ODD + [nested(900)]
    counts = {"payloads": len(payloads), "read_differ": 0, "sent_differ": 0, "faster_by_ujson": 0,
              "largest_body": 0, "nan_read_back": False}
    for payload in payloads:
        ours, rasas = request_json.encode(payload), json.dumps(payload)
        counts["read_differ"] += canonical(ours) != canonical(rasas)
        counts["largest_body"] = max(counts["largest_body"], len(rasas))
        counts["faster_by_ujson"] += " " not in ours[:40]  # ujson writes no spaces; json.dumps does
    counts["nan_read_back"] = math.isnan(json.loads(request_json.encode(ODD[0]))["x"])
    counts["unencodable"] = []
    for bad in ({"x": {1, 2}}, {"x": b"bytes"}, {"x": object()}):
        try:
            request_json.encode(bad)
        except TypeError as error:  # as json.dumps refuses them for Rasa
            counts["unencodable"].append(str(error) == str(_json_error(bad)))

    arrived: list[str] = []

    async def webhook(request: web.Request) -> web.Response:
        arrived.append(await request.text())
        return web.json_response({"events": [], "responses": []})

    app = web.Application(client_max_size=2**26)
    app.router.add_post("/webhook", webhook)
    runner, port = await serve(app)
    counts["installed"] = [kept_connections.install(), kept_connections.install()]
    endpoint = EndpointConfig(f"http://127.0.0.1:{port}/webhook")
    for payload in payloads:
        await endpoint.request(json=payload, method="post")
    counts["sent"] = len(arrived)
    counts["sent_differ"] = sum(canonical(body) != canonical(json.dumps(payload))
                                for body, payload in zip(arrived, payloads))
    await kept_connections.close_all()
    await runner.cleanup()
    return counts


def _json_error(value) -> Exception:
    try:
        json.dumps(value)
    except TypeError as error:
        return error
    raise AssertionError("json.dumps encoded it")


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 200))))
