"""The trained classification heads: small MLPs over sentence embeddings, stored as plain arrays.

The shipped model is an ensemble (``model/ensemble.json`` names its member folders): each member is an
encoder fine-tuned with its own head, and their label probabilities are averaged. A folder without
``ensemble.json`` (one ``finetune`` run) loads as an ensemble of one.

In a member folder, ``head.npz`` holds the input standardisation (``mean``, ``std``, float32) and the
layers (``W0, b0, W1, b1, ...``: float16 weights, float32 biases); ``head.json`` holds the label order,
hyper-parameters and dev metrics. ``affect.npz`` holds the member's valence/arousal regression (same layout,
plus ``target_mean`` / ``target_std`` to return EmoBank's 1..5 scale). Inference is numpy only, so no torch is
needed to score.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

HEAD_DIR = Path(__file__).resolve().parent / "model"
ENSEMBLE_FILE = "ensemble.json"
AFFECT_FILE = "affect.npz"
AFFECT_OUTPUTS = ("valence", "arousal")


def gelu(x: np.ndarray) -> np.ndarray:
    # tanh approximation: the training code uses torch.nn.GELU(approximate="tanh") to match.
    return 0.5 * x * (1.0 + np.tanh(0.7978845608028654 * (x + 0.044715 * x**3)))


def _read_layers(arrays) -> list[tuple[np.ndarray, np.ndarray]]:
    count = len([k for k in arrays.files if k.startswith("W")])
    return [(arrays[f"W{i}"].astype(np.float32), arrays[f"b{i}"].astype(np.float32)) for i in range(count)]


def _layer_arrays(weights: list[tuple[np.ndarray, np.ndarray]], mean: np.ndarray, std: np.ndarray) -> dict:
    arrays = {"mean": mean.astype(np.float32), "std": std.astype(np.float32)}
    for i, (w, b) in enumerate(weights):
        # float16 halves the committed file; the change in probabilities is below 1e-3.
        arrays[f"W{i}"], arrays[f"b{i}"] = w.astype(np.float16), b.astype(np.float32)
    return arrays


def _forward(features: np.ndarray, weights, mean: np.ndarray, std: np.ndarray) -> np.ndarray:
    x = (np.asarray(features, dtype=np.float32) - mean) / std
    for w, b in weights[:-1]:
        x = gelu(x @ w + b)
    return x @ weights[-1][0] + weights[-1][1]


@dataclass(frozen=True)
class Affect:
    """Valence and arousal regression (trained on EmoBank's human ratings), on EmoBank's 1..5 scale."""

    weights: list[tuple[np.ndarray, np.ndarray]]
    mean: np.ndarray
    std: np.ndarray
    target_mean: np.ndarray
    target_std: np.ndarray

    @classmethod
    def load(cls, directory: Path | str) -> "Affect":
        with np.load(Path(directory) / AFFECT_FILE) as arrays:
            weights = _read_layers(arrays)
            affect = cls(weights, arrays["mean"].astype(np.float32), arrays["std"].astype(np.float32),
                         arrays["target_mean"].astype(np.float32), arrays["target_std"].astype(np.float32))
        if weights[-1][0].shape[1] != len(AFFECT_OUTPUTS):
            raise ValueError(f"{directory}: affect head must have {len(AFFECT_OUTPUTS)} outputs")
        return affect

    def save(self, directory: Path | str) -> None:
        arrays = _layer_arrays(self.weights, self.mean, self.std)
        arrays.update(target_mean=self.target_mean.astype(np.float32), target_std=self.target_std.astype(np.float32))
        np.savez_compressed(Path(directory) / AFFECT_FILE, **arrays)

    def predict(self, features: np.ndarray) -> np.ndarray:
        """(rows, 2): valence and arousal on EmoBank's 1..5 scale."""
        return _forward(features, self.weights, self.mean, self.std) * self.target_std + self.target_mean


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
            weights = _read_layers(arrays)
            mean, std = arrays["mean"].astype(np.float32), arrays["std"].astype(np.float32)
        if weights[-1][0].shape[1] != len(meta["labels"]):
            raise ValueError(f"{directory}: head output size does not match its {len(meta['labels'])} labels")
        return cls(meta["labels"], meta["sentiment"], weights, meta, mean, std)

    def save(self, directory: Path | str = HEAD_DIR) -> None:
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(directory / "head.npz", **_layer_arrays(self.weights, self.mean, self.std))
        meta = {**self.meta, "labels": self.labels, "sentiment": self.sentiment}
        (directory / "head.json").write_text(json.dumps(meta, indent=2) + "\n")

    def predict(self, features: np.ndarray) -> np.ndarray:
        """Label probabilities (rows sum to 1) for a batch of embeddings."""
        logits = _forward(features, self.weights, self.mean, self.std)
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
    affects: list[Affect] | None = None  # one per member, or None when a member has no affect head

    @property
    def labels(self) -> list[str]:
        return self.heads[0].labels

    @property
    def sentiment(self) -> dict[str, list[str]]:
        return self.heads[0].sentiment

    @classmethod
    def load(cls, directory: Path | str = HEAD_DIR) -> "Ensemble":
        directory = Path(directory)
        members = member_dirs(directory)
        heads = [Head.load(member) for member in members]
        affects = ([Affect.load(m) for m in members] if all((m / AFFECT_FILE).is_file() for m in members)
                   else None)
        if any(h.labels != heads[0].labels or h.sentiment != heads[0].sentiment for h in heads):
            raise ValueError(f"{directory}: members disagree on the label scheme")
        manifest = directory / ENSEMBLE_FILE
        meta = json.loads(manifest.read_text()) if manifest.is_file() else heads[0].meta
        return cls(heads, meta, affects)

    def _blocks(self, features: np.ndarray) -> list[np.ndarray]:
        features = np.asarray(features, dtype=np.float32)
        width = features.shape[1] // len(self.heads)
        if width * len(self.heads) != features.shape[1]:
            raise ValueError(f"{features.shape[1]} features do not split into {len(self.heads)} members")
        return [features[:, i * width : (i + 1) * width] for i in range(len(self.heads))]

    def predict(self, features: np.ndarray) -> np.ndarray:
        """Mean label probabilities; ``features`` holds the members' feature blocks side by side."""
        return np.mean([head.predict(block) for head, block in zip(self.heads, self._blocks(features))], axis=0)

    def predict_affect(self, features: np.ndarray) -> np.ndarray | None:
        """Mean valence and arousal (EmoBank 1..5 scale), or None for a model without affect heads."""
        if self.affects is None:
            return None
        return np.mean([a.predict(block) for a, block in zip(self.affects, self._blocks(features))], axis=0)
