"""A linear valence/arousal head on a finished model's frozen features (ridge regression on EmoBank):

    .venv/bin/python -m training.affect_head [--model actions/emotion/model] [--emobank ../shared/data/emobank]

The cheap alternative to multi-task fine-tuning (``finetune --emobank``): the encoder stays as it is (no new
ONNX export), only ``affect.npz`` is written into each member folder. The ridge penalty is chosen on a fixed
10 % slice of EmoBank train (seed 13, as ``finetune``), the head refitted on the rest; EmoBank dev is only
measured. Features are exactly the scorer's (``Embedder``: ONNX if prepared, else torch).
"""
from __future__ import annotations

import argparse
import json
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from actions.emotion.head import ENSEMBLE_FILE, HEAD_DIR, Affect, member_dirs
from training.data import load_emobank
from training.metrics import affect_report

PENALTIES = (300.0, 1000.0, 3000.0, 10000.0)


def ridge_solutions(x: np.ndarray, y: np.ndarray, penalties) -> dict[float, np.ndarray]:
    """Ridge weights (features x outputs) for each penalty, from one eigendecomposition of x'x."""
    values, vectors = np.linalg.eigh(x.T.astype(np.float64) @ x)
    projected = vectors.T @ (x.T.astype(np.float64) @ y)
    return {p: (vectors @ (projected / (values + p)[:, None])).astype(np.float32) for p in penalties}


def fit_affect(features: np.ndarray, ratings: np.ndarray, select: np.ndarray,
               penalties=PENALTIES) -> tuple[Affect, float, dict]:
    """Standardises features and targets on the fit rows, picks the penalty with the best mean Pearson r on the
    ``select`` rows, refits nothing else. Returns the head, the penalty and the selection report."""
    fit = np.setdiff1d(np.arange(len(features)), select)
    mean, std = features[fit].mean(0), features[fit].std(0) + 1e-6
    target_mean, target_std = ratings[fit].mean(0), ratings[fit].std(0)
    x = (features - mean) / std
    solutions = ridge_solutions(x[fit], (ratings[fit] - target_mean) / target_std, penalties)
    reports = {p: affect_report(ratings[select], x[select] @ w * target_std + target_mean)
               for p, w in solutions.items()}
    best = max(reports, key=lambda p: reports[p]["valence_r"] + reports[p]["arousal_r"])
    weights = [(solutions[best], np.zeros(2, np.float32))]
    return Affect(weights, mean.astype(np.float32), std.astype(np.float32), target_mean.astype(np.float32),
                  target_std.astype(np.float32)), best, reports


def add_affect_heads(model_dir: Path, emobank_dir: Path, *, seed: int = 13, backend: str | None = None) -> dict:
    """Fits and writes each member's ``affect.npz``; records the fit in ``ensemble.json`` (if there is one)."""
    from actions.emotion.scorer import EmotionScorer

    train, dev = load_emobank(emobank_dir / "train.csv"), load_emobank(emobank_dir / "dev.csv")
    select = np.sort(np.random.default_rng(seed).permutation(len(train))[: int(round(len(train) * 0.1))])
    embedder = EmotionScorer(model_dir, backend=backend).embedder
    features, dev_features = embedder.embed(train.texts), embedder.embed(dev.texts)
    members = member_dirs(model_dir)
    width = features.shape[1] // len(members)
    summary = {}
    for i, member in enumerate(members):
        block = slice(i * width, (i + 1) * width)
        affect, penalty, reports = fit_affect(features[:, block], train.ratings, select)
        affect.save(member)
        summary[member.name] = {"penalty": penalty, "selection": {str(p): r for p, r in reports.items()},
                                "emobank_dev": affect_report(dev.ratings, affect.predict(dev_features[:, block]))}
    record = {"method": "ridge on the frozen features, penalty chosen on a 10 % slice of EmoBank train",
              "data": "EmoBank (Buechel & Hahn, 2017), CC BY-SA 4.0", "seed": seed, "select_rows": len(select),
              "fit_rows": len(train) - len(select), "members": summary,
              "trained_at": datetime.now(timezone.utc).strftime("%Y-%m-%d")}
    manifest_path = model_dir / ENSEMBLE_FILE
    if manifest_path.is_file():
        manifest = json.loads(manifest_path.read_text())
        manifest["affect_head"] = record
        manifest_path.write_text(json.dumps(manifest, indent=2) + "\n")
    return record


def main(argv: list[str] | None = None) -> int:
    from actions import config

    parser = argparse.ArgumentParser(prog="python -m training.affect_head", description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=HEAD_DIR)
    parser.add_argument("--emobank", type=Path, default=config.PROJECT_ROOT.parent / "shared" / "data" / "emobank")
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args(argv)
    print(json.dumps(add_affect_heads(args.model, args.emobank, seed=args.seed), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
