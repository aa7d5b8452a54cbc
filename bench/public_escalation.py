"""Routine requests must not escalate: the scoring command's ``escalate`` over BANKING77's training texts.

    .venv/bin/python bench/public_escalation.py [--data ../shared/data/banking77/train.csv] [--examples 8]

BANKING77 is 10,003 real online-banking questions ("my card hasn't arrived", "why was I charged a fee?")
that nobody on this project wrote: routine requests, a few of them annoyed, none a crisis. Each text goes
through ``actions/emotion/cli.py`` exactly as a transcript line would (one message per line, the
single-message escalation decision at the configured thresholds) and the share escalated is reported with
its triggers, categories and the words that fired them. Target: at most 1 % escalated.
"""
from __future__ import annotations

import argparse
import csv
import io
import json
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from actions.emotion import cli  # noqa: E402
from actions.escalation import Turn, decide_message  # noqa: E402
from actions.escalation.settings import THRESHOLDS  # noqa: E402
from bench.public_data import shared_data_dir  # noqa: E402

DEFAULT_DATA = shared_data_dir() / "banking77" / "train.csv"
TARGET_SHARE = 0.01


def read_texts(path: Path) -> list[tuple[str, str]]:
    """(text, category) rows; a text's own line breaks become spaces, as one transcript line each."""
    with path.open(encoding="utf-8", newline="") as handle:
        return [(" ".join(row["text"].split()), row["category"]) for row in csv.DictReader(handle)]


def score_lines(texts: list[str]) -> list[dict]:
    """The command's own output records, one per text, in order."""
    source = io.BytesIO("\n".join(texts).encode("utf-8") + b"\n")
    out = io.StringIO()
    scored, errors = cli.run(source, out, progress=False)
    if errors or scored != len(texts):
        raise SystemExit(f"scoring failed: {scored} scored, {errors} errors for {len(texts)} texts")
    return [json.loads(line) for line in out.getvalue().splitlines()]


def explain(text: str, record: dict) -> tuple[str, str]:
    """(trigger/category, the words that fired it): the command's line carries only the trigger, so the
    same decision is asked again from the line's own score for the details."""
    decision = decide_message(Turn(text=text, score=record), THRESHOLDS)
    if decision is None or decision.trigger != record["trigger"]:
        raise SystemExit(f"the decision changed between two calls for {text!r}")
    if decision.trigger == "high_intensity":
        return decision.trigger, f"intensity {record.get('intensity', 0):.2f}"
    return f"{decision.trigger}/{decision.category}", decision.words


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--examples", type=int, default=8, help="examples shown per cause")
    parser.add_argument("--out", type=Path, help="write the escalated records here as JSON lines")
    args = parser.parse_args()
    rows = read_texts(args.data)
    started = time.perf_counter()
    records = score_lines([text for text, _ in rows])
    seconds = time.perf_counter() - started
    escalated = [(text, category, record) for (text, category), record in zip(rows, records) if record["escalate"]]
    share = len(escalated) / len(rows)
    print(f"BANKING77 texts: {len(rows)} (scored in {seconds:.0f} s)")
    print(f"escalated: {len(escalated)} ({100 * share:.2f} %; target <= {100 * TARGET_SHARE:.0f} %: "
          f"{'met' if share <= TARGET_SHARE else 'NOT met'})")
    by_cause: dict[str, list] = defaultdict(list)
    for text, category, record in escalated:
        name, words = explain(text, record)
        by_cause[name].append((text, category, record, words))
    for name, items in sorted(by_cause.items(), key=lambda kv: -len(kv[1])):
        print(f"  {name}: {len(items)} ({100 * len(items) / len(rows):.2f} %)")
        print("    BANKING77 categories: " + ", ".join(
            f"{c} {n}" for c, n in Counter(item[1] for item in items).most_common(5)))
        if not name.startswith("high_intensity"):
            print("    words: " + ", ".join(
                f"{w!r} {n}" for w, n in Counter(item[3].lower() for item in items).most_common(8)))
        for text, _, record, _ in items[: args.examples]:
            print(f"    intensity {record.get('intensity', 0):.2f} cues {record.get('cues') or []} | {text[:110]}")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        with args.out.open("w", encoding="utf-8") as handle:
            for name, items in by_cause.items():
                for text, category, record, words in items:
                    handle.write(json.dumps({"text": text, "banking77": category, "cause": name, "words": words,
                                             **record}, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
