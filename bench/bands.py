"""The care bands on the labelled band set: confusion matrix, precision/recall, macro-F1, at_risk safety.

Every message of ``bench/data/band_set.jsonl`` is scored by the real emotion scorer (which sets the band);
figures are reported for the ``tune`` split (thresholds may be chosen on it) and the ``frozen`` split
(never used to choose anything) separately. Targets (issue #17): macro-F1 >= 0.85, at_risk recall 100 %,
at_risk never assigned to humour, quoted speech or third-party events.

    .venv/bin/python bench/bands.py            # report both splits at the thresholds in bands.yml
    .venv/bin/python bench/bands.py --fit      # choose upset/distressed thresholds on tune only; print them
    .venv/bin/python bench/bands.py --fit --write   # … and write them into actions/emotion/bands.yml
    .venv/bin/python bench/bands.py --errors   # also list misbanded tune messages (frozen ones are never shown)
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from actions.emotion import get_scorer  # noqa: E402
from actions.emotion.bands import BANDS, BANDS_FILE, Band, BandSettings, band_for, read_band, settings, settle  # noqa: E402

BAND_SET = ROOT / "bench" / "data" / "band_set.jsonl"
# Kinds of message where "at_risk" would be a false alarm about someone else's words or a joke.
NOT_OWN_CRISIS = {"humour", "quoted", "third_party"}
UPSET_GRID = [round(0.20 + 0.01 * i, 2) for i in range(61)]
DISTRESSED_GRID = [round(0.20 + 0.02 * i, 2) for i in range(71)]


def load(path: Path = BAND_SET) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def metrics(rows: list[dict], predicted: list[str]) -> dict:
    confusion = {gold: {pred: 0 for pred in BANDS} for gold in BANDS}
    for row, band in zip(rows, predicted):
        confusion[row["band"]][band] += 1
    per_band, f1s = {}, []
    for band in BANDS:
        tp = confusion[band][band]
        predicted_n = sum(confusion[gold][band] for gold in BANDS)
        gold_n = sum(confusion[band].values())
        precision = tp / predicted_n if predicted_n else 0.0
        recall = tp / gold_n if gold_n else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_band[band] = {"precision": precision, "recall": recall, "f1": f1, "n": gold_n}
        f1s.append(f1)
    false_alarms = [row["text"] for row, band in zip(rows, predicted)
                    if band == "at_risk" and row["kind"] in NOT_OWN_CRISIS]
    return {"n": len(rows), "confusion": confusion, "per_band": per_band, "macro_f1": sum(f1s) / len(f1s),
            "at_risk_recall": per_band["at_risk"]["recall"], "at_risk_on_not_own_crisis": false_alarms,
            "accuracy": sum(row["band"] == band for row, band in zip(rows, predicted)) / max(1, len(rows))}


def predict(rows: list[dict], scores: list[dict], band_settings: BandSettings) -> list[str]:
    return [band_for(score, row["text"], band_settings).band for row, score in zip(rows, scores)]


def fit(rows: list[dict], scores: list[dict], base: BandSettings) -> tuple[float, float, float]:
    """The (upset, distressed) thresholds with the best macro-F1 on these rows; ties go to the lower pair."""
    best = (-1.0, 0.0, 0.0)
    # The words are read once; only the thresholds change inside the grid.
    readings = [read_band(score, row["text"], base) for row, score in zip(rows, scores)]
    for upset in UPSET_GRID:
        for distressed in DISTRESSED_GRID:
            candidate = base.with_thresholds(upset, distressed)
            predicted = [r.band if isinstance(r, Band) else settle(r, candidate).band for r in readings]
            f1 = metrics(rows, predicted)["macro_f1"]
            if f1 > best[0] + 1e-9:
                best = (f1, upset, distressed)
    return best


def write_thresholds(upset: float, distressed: float, path=BANDS_FILE) -> None:
    """Replace the two values in bands.yml's ``thresholds:`` block, keeping its comments."""
    text = path.read_text(encoding="utf-8")
    for name, value in (("upset", upset), ("distressed", distressed)):
        text, count = re.subn(rf"(?m)^(thresholds:\n(?:  .*\n)*?  {name}: )[0-9.]+$", rf"\g<1>{value:.2f}", text)
        if count != 1:
            raise SystemExit(f"could not find thresholds.{name} in {path}")
    path.write_text(text, encoding="utf-8")


def report(name: str, result: dict) -> str:
    lines = [f"## {name} (n={result['n']})", "",
             "| gold \\ predicted | " + " | ".join(BANDS) + " |", "|---" * (len(BANDS) + 1) + "|"]
    for gold in BANDS:
        lines.append(f"| {gold} | " + " | ".join(str(result["confusion"][gold][p]) for p in BANDS) + " |")
    lines += ["", "| band | precision | recall | F1 | n |", "|---|---|---|---|---|"]
    for band, m in result["per_band"].items():
        lines.append(f"| {band} | {m['precision']:.3f} | {m['recall']:.3f} | {m['f1']:.3f} | {m['n']} |")
    lines += ["", f"macro-F1 {result['macro_f1']:.3f} · accuracy {result['accuracy']:.3f} · "
              f"at_risk recall {result['at_risk_recall']:.3f} · at_risk on humour/quote/third-party: "
              f"{len(result['at_risk_on_not_own_crisis'])}", ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fit", action="store_true", help="choose thresholds on the tune split and print them")
    parser.add_argument("--write", action="store_true", help="with --fit: write the thresholds into bands.yml")
    parser.add_argument("--errors", action="store_true", help="list misbanded messages")
    args = parser.parse_args()
    rows = load()
    scores = get_scorer().warm_up().score_many([row["text"] for row in rows])
    base = settings()
    if args.fit:
        tune = [i for i, row in enumerate(rows) if row["split"] == "tune"]
        f1, upset, distressed = fit([rows[i] for i in tune], [scores[i] for i in tune], base)
        print(f"best on tune: upset {upset:.2f}, distressed {distressed:.2f} (macro-F1 {f1:.3f}); "
              f"bands.yml has upset {base.upset:.2f}, distressed {base.distressed:.2f}")
        if args.write:
            write_thresholds(upset, distressed)
            print(f"written to {BANDS_FILE}")
        return
    for split in ("tune", "frozen"):
        chosen = [i for i, row in enumerate(rows) if row["split"] == split]
        part_rows, part_scores = [rows[i] for i in chosen], [scores[i] for i in chosen]
        predicted = predict(part_rows, part_scores, base)
        print(report(split, metrics(part_rows, predicted)))
        if args.errors and split == "tune":
            for row, band, score in zip(part_rows, predicted, part_scores):
                if band != row["band"]:
                    reasons = band_for(score, row["text"], base).reasons
                    print(f"  {row['band']:>10} -> {band:<10} [{row['kind']}] {row['text']}  {reasons}")
            print()


if __name__ == "__main__":
    main()
