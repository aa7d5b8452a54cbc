"""The trained classification head: a small MLP over sentence embeddings, stored as plain arrays.

``head.npz`` holds the input standardisation (``mean``, ``std``, float32) and the layers (``W0, b0, W1,
b1, ...``: float16 weights, float32 biases); ``head.json`` holds the label order,
hyper-parameters and dev metrics. Inference is numpy only, so no torch is needed to score.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

HEAD_DIR = Path(__file__).resolve().parent / "model"


def gelu(x: np.ndarray) -> np.ndarray:
    # tanh approximation: the training code uses torch.nn.GELU(approximate="tanh") to match.
    return 0.5 * x * (1.0 + np.tanh(0.7978845608028654 * (x + 0.044715 * x**3)))


@dataclass(frozen=True)
class Head:
    labels: list[str]
    sentiment: dict[str, list[str]]
    weights: list[tuple[np.ndarray, np.ndarray]]
    meta: dict
    mean: np.ndarray
    std: np.ndarray

    @classmethod
    def load(cls, directory: Path | str = HEAD_DIR) -> "Head":
        directory = Path(directory)
        meta = json.loads((directory / "head.json").read_text())
        with np.load(directory / "head.npz") as arrays:
            count = len([k for k in arrays.files if k.startswith("W")])
            weights = [(arrays[f"W{i}"].astype(np.float32), arrays[f"b{i}"].astype(np.float32)) for i in range(count)]
            mean, std = arrays["mean"].astype(np.float32), arrays["std"].astype(np.float32)
        if weights[-1][0].shape[1] != len(meta["labels"]):
            raise ValueError(f"{directory}: head output size does not match its {len(meta['labels'])} labels")
        return cls(meta["labels"], meta["sentiment"], weights, meta, mean, std)

    def save(self, directory: Path | str = HEAD_DIR) -> None:
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        arrays = {"mean": self.mean.astype(np.float32), "std": self.std.astype(np.float32)}
        for i, (w, b) in enumerate(self.weights):
            # float16 halves the committed file; the change in probabilities is below 1e-3.
            arrays[f"W{i}"], arrays[f"b{i}"] = w.astype(np.float16), b.astype(np.float32)
        np.savez_compressed(directory / "head.npz", **arrays)
        meta = {**self.meta, "labels": self.labels, "sentiment": self.sentiment}
        (directory / "head.json").write_text(json.dumps(meta, indent=2) + "\n")

    def predict(self, features: np.ndarray) -> np.ndarray:
        """Label probabilities (rows sum to 1) for a batch of embeddings."""
        x = (np.asarray(features, dtype=np.float32) - self.mean) / self.std
        for w, b in self.weights[:-1]:
            x = gelu(x @ w + b)
        logits = x @ self.weights[-1][0] + self.weights[-1][1]
        logits -= logits.max(axis=1, keepdims=True)
        probs = np.exp(logits)
        return probs / probs.sum(axis=1, keepdims=True)
