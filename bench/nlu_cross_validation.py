"""NLU intent classification in k-fold cross-validation with the project's config.yml (target: weighted F1 >= 0.90).

    .venv/bin/python bench/nlu_cross_validation.py [--folds 3] [--out var/bench/nlu-cv]   # ~3 min on 2 cores

Runs Rasa's own `rasa test nlu --cross-validation` in the Rasa runtime (.venv-rasa) and summarises its
report: weighted F1 and accuracy over all held-out predictions, the weakest intents and the most common
confusions. Predictions below the FallbackClassifier threshold count as errors (they become nlu_fallback).
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RASA = ROOT / ".venv-rasa" / "bin" / "rasa"
SUMMARY_ROWS = {"accuracy", "macro avg", "weighted avg", "micro avg"}


def run_cross_validation(folds: int, out: Path) -> None:
    if not RASA.exists():
        sys.exit(f"{RASA} not found: run ./heard setup first")
    command = [str(RASA), "test", "nlu", "--nlu", "data/nlu", "--cross-validation", "--folds", str(folds),
               "--config", "config.yml", "--out", str(out)]
    result = subprocess.run(command, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                            capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"rasa test nlu failed ({result.returncode}):\n{result.stderr[-3000:]}")


def summarise(out: Path, weakest: int = 8, confusions: int = 10) -> dict:
    report = json.loads((out / "intent_report.json").read_text(encoding="utf-8"))
    intents = {name: row for name, row in report.items() if isinstance(row, dict) and name not in SUMMARY_ROWS}
    errors_file = out / "intent_errors.json"
    errors = json.loads(errors_file.read_text(encoding="utf-8")) if errors_file.exists() else []
    pairs = collections.Counter((e["intent"], (e.get("intent_prediction") or {}).get("name")) for e in errors)
    return {
        "examples": report["weighted avg"]["support"],
        "intents": len(intents),
        "weighted_f1": round(report["weighted avg"]["f1-score"], 4),
        "accuracy": round(report.get("accuracy", 0.0), 4),
        "weakest": [(name, round(row["f1-score"], 3), row["support"])
                    for name, row in sorted(intents.items(), key=lambda item: item[1]["f1-score"])[:weakest]],
        "confusions": [(gold, predicted, count) for (gold, predicted), count in pairs.most_common(confusions)],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "bench" / "nlu-cv")
    args = parser.parse_args()
    started = time.perf_counter()
    run_cross_validation(args.folds, args.out)
    summary = summarise(args.out)
    print(f"{args.folds}-fold cross-validation, {summary['examples']} examples, {summary['intents']} intents "
          f"({time.perf_counter() - started:.0f} s)")
    print(f"weighted F1 {summary['weighted_f1']:.3f}, accuracy {summary['accuracy']:.3f} (target F1 >= 0.90)")
    print("weakest intents: " + ", ".join(f"{n} {f} (n={s})" for n, f, s in summary["weakest"]))
    print("most common confusions: " + ", ".join(f"{g} -> {p} x{c}" for g, p, c in summary["confusions"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
