"""Single-user turn latency through the REST channel, with and without emotion scoring.

Starts the real stack twice on private ports (once with the scorer, once with Rasa pointed at a
closed scorer port so every message skips scoring), sends the same routine turns one at a time
and reports p50/p95 per turn; the difference is what scoring adds to a full bot turn.

    .venv/bin/python bench/rest_latency.py [--turns 200]
"""
from __future__ import annotations

import argparse
import secrets
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from stack.processes import Stack  # noqa: E402
from stack.settings import StackSettings  # noqa: E402
from tests.conftest import free_port  # noqa: E402

MESSAGES = ["hi", "what does my home insurance cover?", "what documents do you need for a travel claim?",
            "when is my renewal due?", "how do I pay my premium?", "what are your opening hours?",
            "thanks", "are you a bot?", "can I update my phone number?", "what is covered if I travel abroad?"]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def run(turns: int, scoring: bool) -> list[float]:
    with tempfile.TemporaryDirectory() as var_dir:
        overrides = dict(HEARD_VAR_DIR=var_dir, RASA_PORT=str(free_port()), ACTION_SERVER_PORT=str(free_port()),
                         HANDOFF_PORT=str(free_port()), RASA_TOKEN=secrets.token_urlsafe(8),
                         HANDOFF_SERVICE_TOKEN=secrets.token_urlsafe(8), HANDOFF_SECRET_KEY=secrets.token_urlsafe(8))
        if not scoring:
            overrides.update(EMOTION_SCORER_URL=f"http://127.0.0.1:{free_port()}/score",
                             EMOTION_SCORER_RETRY_AFTER_SECONDS="100000")
        with Stack(StackSettings.load(**overrides), log=lambda line: None) as stack:
            url = f"{stack.settings.env['RASA_URL']}/webhooks/rest/webhook"
            timings = []
            with httpx.Client(timeout=30) as client:
                for i in range(turns + 10):
                    sender = f"bench-{uuid.uuid4().hex[:8]}" if i % 10 == 0 else sender
                    started = time.perf_counter()
                    client.post(url, json={"sender": sender, "message": MESSAGES[i % len(MESSAGES)]}).raise_for_status()
                    if i >= 10:  # warm-up turns are not counted
                        timings.append((time.perf_counter() - started) * 1000)
            return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=200)
    args = parser.parse_args()
    results = {label: run(args.turns, scoring) for label, scoring in (("with scoring", True), ("without scoring", False))}
    for label, timings in results.items():
        print(f"{label:16s} turns={len(timings)} p50={statistics.median(timings):.1f} ms "
              f"p95={percentile(timings, 0.95):.1f} ms max={max(timings):.1f} ms")
    added = statistics.median(results["with scoring"]) - statistics.median(results["without scoring"])
    print(f"added by scoring (p50 difference): {added:.1f} ms")


if __name__ == "__main__":
    main()
