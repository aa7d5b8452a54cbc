"""The risk reader by meaning on routine text: how often would it call "at risk" (or a check-in) for nothing?

Routine text is BANKING77 train (bank customers' requests) and GoEmotions dev (Reddit comments): neither is
used to train or tune the reader (training/risk_meaning.py uses GoEmotions *train* and CLINC150). Every text is
scored by the real scorer (which sets the band); reported: the at_risk rate (target <= 0.1 %), split into
readings by words (risk.yml) and by meaning, the check-in rate, and the reader's own cost per message on top of
the encoder pass (one message at a time, features already computed).

    .venv/bin/python bench/risk_meaning.py [--data ../shared/data] [--limit N]
"""
from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path


ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from actions.emotion import get_scorer  # noqa: E402
from actions.emotion.meaning import meaning_reader  # noqa: E402

TARGET_FALSE_AT_RISK = 0.001


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--limit", type=int, default=None)
    args = parser.parse_args()
    scorer = get_scorer().warm_up()
    if scorer.meaning is None:
        raise SystemExit("the reader by meaning is not loaded (train it: python -m training.risk_meaning)")
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
