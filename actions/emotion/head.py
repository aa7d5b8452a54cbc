"""The trained classification heads: small MLPs over sentence embeddings, stored as plain arrays.

The shipped model is an ensemble (``model/ensemble.json`` names its member folders): each member is an
encoder fine-tuned with its own head, and their label probabilities are averaged. A folder without
``ensemble.json`` (one ``finetune`` run) loads as an ensemble of one.

In a member folder, ``head.npz`` holds the input standardisation (``mean``, ``std``, float32) and the
layers (``W0, b0, W1, b1, ...``: float16 weights, float32 biases); ``head.json`` holds the label order,
hyper-parameters and dev metrics. Inference is numpy only, so no torch is needed to score.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

HEAD_DIR = Path(__file__).resolve().parent / "model"
ENSEMBLE_FILE = "ensemble.json"


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


def member_dirs(directory: Path | str = HEAD_DIR) -> list[Path]:
    """The member folders of a model folder, in the order their features are concatenated."""
    directory = Path(directory)
    manifest = directory / ENSEMBLE_FILE
    if not manifest.is_file():
        return [directory]
    members = json.loads(manifest.read_text())["members"]
    if not members:
        raise ValueError(f"{manifest}: no members")
    return [directory / name for name in members]


@dataclass(frozen=True)
class Ensemble:
    """Member heads, each reading its own encoder's slice of the features; probabilities are averaged."""

    heads: list[Head]
    meta: dict

    @property
    def labels(self) -> list[str]:
        return self.heads[0].labels

    @property
    def sentiment(self) -> dict[str, list[str]]:
        return self.heads[0].sentiment

    @classmethod
    def load(cls, directory: Path | str = HEAD_DIR) -> "Ensemble":
        directory = Path(directory)
        heads = [Head.load(member) for member in member_dirs(directory)]
        if any(h.labels != heads[0].labels or h.sentiment != heads[0].sentiment for h in heads):
            raise ValueError(f"{directory}: members disagree on the label scheme")
        manifest = directory / ENSEMBLE_FILE
        meta = json.loads(manifest.read_text()) if manifest.is_file() else heads[0].meta
        return cls(heads, meta)

    def predict(self, features: np.ndarray) -> np.ndarray:
        """Mean label probabilities; ``features`` holds the members' feature blocks side by side."""
        features = np.asarray(features, dtype=np.float32)
        width = features.shape[1] // len(self.heads)
        if width * len(self.heads) != features.shape[1]:
            raise ValueError(f"{features.shape[1]} features do not split into {len(self.heads)} members")
        return np.mean([head.predict(features[:, i * width : (i + 1) * width])
                        for i, head in enumerate(self.heads)], axis=0)
