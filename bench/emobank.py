"""How well the scorer's valence and arousal agree with people: Pearson r on EmoBank's dev split.

    .venv/bin/python bench/emobank.py --data ../shared/data/emobank [--baseline DIR] [--json out.json]

EmoBank (Buechel & Hahn, 2017; CC BY-SA 4.0): sentences rated 1..5 for valence and arousal by people. Its dev
split is never trained on (training chooses its epoch on a slice of train). Reported for the affect head alone
(the model's ratings before cues) and for the scorer's output fields (after cues; `intensity` against arousal
too). ``--baseline DIR`` scores the same sentences with another model folder in the same run (e.g. the
GoEmotions-only scorer shipped before EmoBank, extracted from git), on its own ONNX export if
``--baseline-onnx DIR`` holds one, else on torch.
Published test-split figures for orientation: fine-tuned BERT-base V 0.80 / A 0.56, RoBERTa-large V 0.83 / A 0.57.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from actions.emotion import get_scorer  # noqa: E402
from actions.emotion.scorer import EmotionScorer  # noqa: E402
from training.data import load_emobank  # noqa: E402
from training.metrics import affect_report  # noqa: E402


def _r(x: np.ndarray, y: np.ndarray) -> float:
    return round(float(np.corrcoef(x, y)[0, 1]), 4)


def scorer_report(scorer: EmotionScorer, texts: list[str], ratings: np.ndarray) -> dict:
    started = time.perf_counter()
    scores = scorer.score_many(texts, batch_size=64)
    fields = {name: np.array([s.get(name, np.nan) for s in scores], dtype=np.float64)
              for name in ("valence", "arousal", "intensity")}
    report = {"scorer_valence_r": _r(fields["valence"], ratings[:, 0]),
              "scorer_intensity_vs_arousal_r": _r(fields["intensity"], ratings[:, 1])}
    if not np.isnan(fields["arousal"]).any():
        report["scorer_arousal_r"] = _r(fields["arousal"], ratings[:, 1])
    embeddings = scorer.embedder.embed(texts)
    affect = scorer.head.predict_affect(embeddings)
    if affect is not None:
        report["affect_head"] = affect_report(ratings, affect)
    report["seconds"] = round(time.perf_counter() - started, 1)
    report["backend"] = scorer.backend
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data/emobank"))
    parser.add_argument("--baseline", type=Path, help="another model folder to score in the same run")
    parser.add_argument("--baseline-onnx", type=Path, help="that model's ONNX export folder (default: torch)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    dev = load_emobank(args.data / "dev.csv")
    results = {"rows": len(dev), "shipped": scorer_report(get_scorer().warm_up(), dev.texts, dev.ratings)}
    if args.baseline:
        baseline = EmotionScorer(args.baseline, backend="onnx" if args.baseline_onnx else "torch",
                                 onnx_dir=args.baseline_onnx)
        report = scorer_report(baseline, dev.texts, dev.ratings)
        results["baseline"] = {"model": str(args.baseline), **report}
    text = json.dumps(results, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
