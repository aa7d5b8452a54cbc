"""Speed of the emotion scorer: cold start, single-message latency, batch throughput, per backend.

    .venv/bin/python bench/emotion_speed.py [--backends onnx,torch] [--single 300] [--batch 2048]

Each backend runs in a fresh subprocess so cold-start figures are real (import + model load + first
score). Single-message latency is ``score(text)`` over realistic customer messages of varied length.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MESSAGES = [
    "ok",
    "thanks!!",
    "what documents do you need for a travel claim?",
    "my car was stolen last night",
    "my dad passed away on sunday and I think he had life cover with you",
    "I reported the water damage THREE WEEKS ago and nobody has called me. This is ridiculous.",
    "Can I add my daughter as a named driver? She passed her test last week and will use the car at weekends.",
    "This is the third time I've asked. You said someone would ring me on Monday, then Wednesday, and still "
    "nothing. I've sent the photos, the invoice and the police report twice. I just want to know when the "
    "assessor is coming because the ceiling is still dripping and we've got two small children at home.",
]


def child(backend: str, single: int, batch: int) -> dict:
    os.environ["EMOTION_BACKEND"] = backend
    started = time.perf_counter()
    sys.path.insert(0, str(ROOT))
    from actions.emotion import get_scorer

    scorer = get_scorer()
    import_s = time.perf_counter() - started
    scorer.score("first message")
    first_s = time.perf_counter() - started
    latencies = []
    for i in range(single):
        text = MESSAGES[i % len(MESSAGES)]
        t0 = time.perf_counter()
        scorer.score(text)
        latencies.append((time.perf_counter() - t0) * 1000)
    latencies.sort()
    texts = [MESSAGES[i % len(MESSAGES)] + f" (ref {i})" for i in range(batch)]
    t0 = time.perf_counter()
    scorer.score_many(texts, batch_size=64)
    batch_s = time.perf_counter() - t0
    return {
        "backend": scorer.backend,
        "import_s": round(import_s, 3),
        "cold_first_score_s": round(first_s, 2),
        "single_p50_ms": round(statistics.median(latencies), 2),
        "single_p95_ms": round(latencies[int(0.95 * (len(latencies) - 1))], 2),
        "batch_msgs_per_s": round(batch / batch_s, 1),
        "batch_ms_per_msg": round(batch_s * 1000 / batch, 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="onnx,torch")
    parser.add_argument("--single", type=int, default=300)
    parser.add_argument("--batch", type=int, default=2048)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.single, args.batch)))
        return 0
    rows = []
    for backend in args.backends.split(","):
        done = subprocess.run([sys.executable, __file__, "--child", backend, "--single", str(args.single),
                               "--batch", str(args.batch)], capture_output=True, text=True, cwd=ROOT)
        if done.returncode:
            print(f"{backend}: failed\n{done.stderr[-2000:]}", file=sys.stderr)
            continue
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
    print(f"cpu cores: {os.cpu_count()}")
    print("| backend | cold start (import+load+first score) | single p50 | single p95 | batch of 64 |")
    print("|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['backend']} | {r['cold_first_score_s']} s | {r['single_p50_ms']} ms | {r['single_p95_ms']} ms "
              f"| {r['batch_ms_per_msg']} ms/msg ({r['batch_msgs_per_s']} msg/s) |")
    return 0 if rows else 1


if __name__ == "__main__":
    raise SystemExit(main())
