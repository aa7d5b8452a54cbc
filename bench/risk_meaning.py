"""The risk reader by meaning on routine text: how often would it call "at risk" (or a check-in) for nothing?

Routine text is BANKING77 train (bank customers' requests) and GoEmotions dev (Reddit comments): neither is
used to train or tune the reader (training/risk_meaning.py uses GoEmotions *train* and CLINC150). Every text is
scored by the real scorer (which sets the band); reported: the at_risk rate (target <= 0.1 %), split into
readings by words (risk.yml) and by meaning, the check-in rate, and the reader's own cost per message on top of
the encoder pass (one message at a time, features already computed).

With ``--probe`` it scores the held-out probe set instead (``bench/data/risk_probe.jsonl``, README there): people
at risk in wording the reader was not written for, and hard negatives. Reported: recall on the at-risk probes and
false at_risk on the others, overall and by kind, for the patterns alone (risk.yml) and for the whole reader (the
band). ``--errors`` lists the misread probes (to report, never to write exemplars from).

    .venv/bin/python bench/risk_meaning.py [--data ../shared/data] [--limit N]
    .venv/bin/python bench/risk_meaning.py --probe [--errors]
    .venv/bin/python bench/risk_meaning.py --probe --probe-file bench/data/risk_probe2.jsonl   # the second probe
"""
from __future__ import annotations

import argparse
import csv
import json
import sys
from collections import defaultdict
import time
from pathlib import Path


ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from actions.emotion import get_scorer  # noqa: E402
from actions.emotion.meaning import meaning_reader  # noqa: E402
from actions.emotion.risk import active_risk  # noqa: E402

TARGET_FALSE_AT_RISK = 0.001
PROBE_SET = ROOT / "bench" / "data" / "risk_probe.jsonl"


def routine_sets(data: Path, limit: int | None) -> dict[str, list[str]]:
    with open(data / "banking77" / "train.csv", encoding="utf-8") as f:
        banking = [row["text"] for row in csv.DictReader(f)]
    with open(data / "goemotions" / "dev.tsv", encoding="utf-8") as f:
        comments = [row[0] for row in csv.reader(f, delimiter="\t") if row]
    return {"BANKING77 train": banking[:limit], "GoEmotions dev": comments[:limit]}


def reader_cost(texts: list[str], repeats: int = 2000) -> float:
    """Microseconds per message for the reading by meaning alone, one message at a time."""
    reader = meaning_reader()
    features = get_scorer().embedder.embed(texts[:50])
    start = time.perf_counter()
    for i in range(repeats):
        reader.read(features[i % len(features): i % len(features) + 1])
    return (time.perf_counter() - start) / repeats * 1e6


def probe(scorer, errors: bool, probe_set: Path = PROBE_SET) -> None:
    """Recall and false at_risk on the probe set, by kind: patterns alone, then the whole reader (the band)."""
    rows = [json.loads(line) for line in probe_set.read_text(encoding="utf-8").splitlines() if line.strip()]
    scores = scorer.score_many([row["text"] for row in rows], batch_size=64)
    by_kind = defaultdict(lambda: [0, 0, 0])  # n, patterns alone at_risk, reader at_risk
    totals = {True: [0, 0, 0, 0], False: [0, 0, 0, 0]}  # n, patterns, reader, of which by meaning
    misread = []
    for row, score in zip(rows, scores):
        words = active_risk(row["text"]) is not None
        reader = score["band"] == "at_risk"
        meaning = reader and any(r.startswith("risk by meaning") for r in score["band_reasons"])
        counts = by_kind[(row["at_risk"], row["kind"])]
        counts[0] += 1
        counts[1] += words
        counts[2] += reader
        total = totals[row["at_risk"]]
        total[0] += 1
        total[1] += words
        total[2] += reader
        total[3] += meaning
        if reader != row["at_risk"]:
            misread.append((row, score))
    for gold, label in ((True, "at-risk probes: recall"), (False, "hard negatives: false at_risk")):
        n, words, reader, meaning = totals[gold]
        print(f"{label}: patterns alone {words}/{n} ({words / n:.1%}); patterns + meaning {reader}/{n} "
              f"({reader / n:.1%}; by meaning {meaning})")
        print("  " + " · ".join(f"{kind} {c[2]}/{c[0]} (words {c[1]})"
                                for (g, kind), c in sorted(by_kind.items()) if g == gold))
    if errors:
        for row, score in misread:
            print(f"  {row['id']} gold {'at_risk' if row['at_risk'] else 'not'} [{row['kind']}] -> {score['band']}: "
                  f"{row['text'][:120]}  {score['band_reasons']} {score.get('risk_meaning')}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--probe", action="store_true", help="score the held-out probe set instead")
    parser.add_argument("--probe-file", type=Path, default=PROBE_SET,
                        help="with --probe: which probe set (bench/data/risk_probe2.jsonl: held out in session 4)")
    parser.add_argument("--errors", action="store_true", help="with --probe: list the misread probes")
    args = parser.parse_args()
    scorer = get_scorer().warm_up()
    if scorer.meaning is None:
        raise SystemExit("the reader by meaning is not loaded (train it: python -m training.risk_meaning)")
    if args.probe:
        probe(scorer, args.errors, args.probe_file)
        return
    worst = 0.0
    for name, texts in routine_sets(args.data, args.limit).items():
        scores = scorer.score_many(texts, batch_size=64)
        at_risk = [s for s in scores if s["band"] == "at_risk"]
        by_meaning = [s for s in at_risk if any(r.startswith("risk by meaning") for r in s["band_reasons"])]
        check_in = sum(bool(s.get("check_in")) for s in scores)
        meaning_check_in = sum(any(r.startswith("low mood by meaning") for r in s["band_reasons"]) for s in scores)
        rate = len(at_risk) / len(texts)
        worst = max(worst, rate)
        print(f"{name}: n={len(texts)}  at_risk {len(at_risk)} ({rate:.3%}; by meaning {len(by_meaning)}, "
              f"by words {len(at_risk) - len(by_meaning)})  check-in {check_in} ({check_in / len(texts):.2%}; "
              f"by meaning {meaning_check_in})")
    print(f"reader by meaning: {reader_cost(texts):.0f} us per message on top of the encoder pass")
    print(f"worst at_risk rate {worst:.3%} (target <= {TARGET_FALSE_AT_RISK:.1%}): "
          f"{'OK' if worst <= TARGET_FALSE_AT_RISK else 'ABOVE TARGET'}")


if __name__ == "__main__":
    main()
