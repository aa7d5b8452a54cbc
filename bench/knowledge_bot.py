"""The knowledge-base customer questions through the whole bot: which entry, if any, did the bot answer with?

`bench/knowledge_retrieval.py` scores the retriever alone; here each question of a set in the knowledge-question
format (`bench/data/knowledge_questions*.yml`) is sent as the first message of a fresh conversation through
`bench/judgement.py` (its private stack, the trained model in models/), and the entry the bot answered with is
read from the `kb_answer_id` slot of the saved turn. A question with an entry is answered right, answered with
a wrong entry, or not answered (then what the bot did instead: a choice, a canned blurb, a person…); a
question labelled `none` must get no entry.

    .venv/bin/python bench/knowledge_bot.py bench/data/knowledge_questions2.yml
    .venv/bin/python bench/knowledge_bot.py bench/data/knowledge_questions2.yml --replay var/kb-bot-turns.jsonl
    .venv/bin/python bench/knowledge_bot.py bench/data/knowledge_questions3.yml --figures-only --turns var/kb3-bot.jsonl
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.judgement_classify import Behaviours, Turn, observe  # noqa: E402

NONE_CLASSES = ["out_of_scope", "offer_person", "clarify"]  # anything but a vetted answer is acceptable


def as_judgement_items(questions: list[dict]) -> str:
    rows = []
    for number, question in enumerate(questions, 1):
        expect = question["expect"]
        rows.append({"id": f"K{number:03d}", "text": question["text"],
                     "expected": NONE_CLASSES if expect == "none" else ["kb_answer"],
                     "kind": "knowledge", "hard": False, "why": "", "split": "tune"})
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)


def answered_entry(events: list[dict]) -> str | None:
    values = [e.get("value") for e in events if e.get("event") == "slot" and e.get("name") == "kb_answer_id"]
    return values[-1] if values and values[-1] else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("questions", type=Path)
    parser.add_argument("--turns", type=Path, default=ROOT / "var" / "kb-bot-turns.jsonl")
    parser.add_argument("--replay", type=Path, help="score turns saved by an earlier run instead of a bot")
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--figures-only", action="store_true",
                        help="print the tally, not the failing questions (a held-out set whose failures must not be "
                             "read, such as knowledge_questions3.yml; judgement.py's own output is then discarded)")
    args = parser.parse_args()
    questions = yaml.safe_load(args.questions.read_text(encoding="utf-8"))["questions"]
    if not args.replay:
        with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as handle:
            handle.write(as_judgement_items(questions))
        subprocess.run([sys.executable, str(ROOT / "bench" / "judgement.py"), "--set", handle.name,
                        "--turns", str(args.turns), "--failures", str(args.turns.with_suffix(".failures.json")),
                        "--concurrency", str(args.concurrency)], check=True, cwd=ROOT,
                       stdout=subprocess.DEVNULL if args.figures_only else None)
    turns = {row["id"]: row["events"] for row in map(json.loads, (args.replay or args.turns).read_text(
        encoding="utf-8").splitlines()) if row}
    behaviours = Behaviours.load(ROOT / "bench" / "judgement_behaviours.yml")
    tally, instead = Counter(), Counter()
    for number, question in enumerate(questions, 1):
        events = turns.get(f"K{number:03d}")
        if events is None:
            tally["not run"] += 1
            continue
        turn = events[max((i for i, e in enumerate(events) if e.get("event") == "user"), default=0):]
        entry, label = answered_entry(turn), observe(Turn.from_events(turn), behaviours).label
        expect = question["expect"]
        expected = [expect] if isinstance(expect, str) else list(expect)
        if expected == ["none"]:
            verdict = "none: no entry" if entry is None else "none: answered"
        elif entry is None:
            verdict = "entry: not answered"
            instead[label] += 1
        else:
            verdict = "entry: right" if entry in expected else "entry: wrong entry"
        tally[verdict] += 1
        if not args.figures_only and verdict not in ("entry: right", "none: no entry"):
            print(f"  {verdict}: {question['text']!r} expected {'/'.join(expected)}, got {entry or label}")
    print(f"{args.questions.name} through the bot (n={len(questions)}): {dict(sorted(tally.items()))}")
    print(f"  not answered, what the bot did instead: {dict(instead.most_common())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
