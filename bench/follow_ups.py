"""Follow-up questions after a knowledge-base answer (issue #16, session 4): is "what about snowboarding?" after
the skiing answer answered with the right entry?

Each conversation of `bench/data/follow_ups.jsonl` sends a question, then a short follow-up, to a private stack
(as `bench/judgement.py` starts it). A follow-up is right when the bot answered it from the knowledge base
(`action_answer_question` set `kb_answer_id`) with one of its expected entries. Beside it, "read alone" says what
the follow-up's own ranking would have given (the parse data keeps it under `knowledge.follow_up.own` when the
context was used): an answer with an expected entry.

    .venv/bin/python bench/follow_ups.py
"""
from __future__ import annotations

import json
import sys
import uuid
from contextlib import ExitStack
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.judgement import own_stack  # noqa: E402

SET_FILE = ROOT / "bench" / "data" / "follow_ups.jsonl"


def conversation(client: httpx.Client, token: str, first: str, follow_up: str) -> list[dict]:
    sender = f"rest:follow-up-{uuid.uuid4().hex[:12]}"
    for text in (first, follow_up):
        client.post("/webhooks/rest/webhook", json={"sender": sender, "message": text}).raise_for_status()
    tracker = client.get(f"/conversations/{sender}/tracker", params={"token": token})
    tracker.raise_for_status()
    return tracker.json()["events"]


def judged(item: dict, events: list[dict]) -> dict:
    last_user = max(i for i, e in enumerate(events) if e.get("event") == "user")
    turn = events[last_user:]
    parse = turn[0].get("parse_data") or {}
    knowledge = parse.get("knowledge") or {}
    own = (knowledge.get("follow_up") or {}).get("own") or knowledge
    answered = [e.get("value") for e in turn if e.get("event") == "slot" and e.get("name") == "kb_answer_id"]
    given = answered[-1] if answered else None
    own_best = (own.get("matches") or [{}])[0].get("id")
    return {"id": item["id"], "right": given in item["expected"], "given": given,
            "alone": own.get("outcome") == "answer" and own_best in item["expected"],
            "alone_outcome": own.get("outcome"), "alone_best": own_best, "intent": (parse.get("intent") or {}).get("name"),
            "context_used": "follow_up" in knowledge, "actions": [e.get("name") for e in turn if e.get("event") == "action"]}


def main() -> int:
    items = [json.loads(line) for line in SET_FILE.read_text().splitlines() if line.strip()]
    with ExitStack() as stack:
        url, token = own_stack(stack, log=lambda line: print(line, file=sys.stderr))
        with httpx.Client(base_url=url, timeout=60) as client:
            results = [judged(item, conversation(client, token, item["first"], item["follow_up"])) for item in items]
    for result in results:
        print(json.dumps(result))
    right, alone = sum(r["right"] for r in results), sum(r["alone"] for r in results)
    print(f"\nfollow-ups answered with an expected entry: {right}/{len(results)} (read alone: {alone}/{len(results)}); "
          f"context used: {sum(r['context_used'] for r in results)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
