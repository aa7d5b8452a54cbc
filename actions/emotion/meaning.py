"""The risk reader by meaning: the second reader beside risk.yml's patterns (issues #16, #17).

Patterns are exact on the wordings they were written for and blind to new ones ("I've given the dog to my
neighbour, I won't be needing him"). This reader classifies the sentence features the scorer has already
computed (``Embedder``: no second model run; the mean-pooled layers chosen in training) with a multinomial logistic regression trained on hand-written
exemplars (``risk_exemplars.yml``, by ``training/risk_meaning.py``): at risk (self_harm, threat, danger_now),
possible low mood, or neither. Cost per message: one (features x 5) product and one (exemplars x 384) product
for the nearest exemplar, well under a millisecond (bench/risk_meaning.py).

A reading names its nearest exemplar of the category, so the agent and the escalation decision have a reason
("like: 'I've started giving my things away…'"). Context (a joke, the news, a quotation, a question about cover,
a denial) is applied by ``risk.read_risk``, the one place that decides what counts as the customer's risk now.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import yaml

logger = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
EXEMPLARS_FILE = HERE / "risk_exemplars.yml"
SETTINGS_FILE = HERE / "risk_meaning.yml"
MODEL_FILE = HERE / "model" / "risk_meaning.npz"
RISK_CLASSES = ("self_harm", "threat", "danger_now")
LOW_MOOD = "low_mood"
NEGATIVE = "negative"
CLASSES = RISK_CLASSES + (LOW_MOOD, NEGATIVE)
# The sentence embedding: the first member's last block of 384 (mean-pooled final layer; embedder.py).
BLOCK = 384
SENTENCE_BLOCK = slice(6 * BLOCK, 7 * BLOCK)


def columns(blocks) -> np.ndarray:
    """The feature columns of the given blocks (0: embedding layer … 6: final layer) of the first member."""
    return np.concatenate([np.arange(b * BLOCK, (b + 1) * BLOCK) for b in blocks])


def sentence_block(features: np.ndarray) -> np.ndarray:
    """Unit-length sentence embeddings, for the nearest exemplar (cosine similarity)."""
    block = np.asarray(features, dtype=np.float32)[:, SENTENCE_BLOCK]
    return block / np.maximum(np.linalg.norm(block, axis=1, keepdims=True), 1e-9)


@dataclass(frozen=True)
class MeaningReading:
    """What the message means, by the classifier: ``kind`` is "at_risk" or "low_mood"."""

    kind: str
    category: str
    probability: float
    nearest: str

    def as_dict(self) -> dict:
        return {"kind": self.kind, "category": self.category, "p": round(self.probability, 4),
                "nearest": self.nearest}

    @classmethod
    def from_dict(cls, data: dict | None) -> "MeaningReading | None":
        """From the score's JSON field; anything malformed reads as no reading (the patterns still apply)."""
        if not isinstance(data, dict) or data.get("kind") not in ("at_risk", LOW_MOOD):
            return None
        category = data.get("category")
        if category not in RISK_CLASSES + (LOW_MOOD,):
            return None
        try:
            probability = float(data.get("p") or 0.0)
        except (TypeError, ValueError):
            return None
        return cls(data["kind"], category, probability, str(data.get("nearest") or "")[:300])


@dataclass(frozen=True)
class Thresholds:
    at_risk: float
    low_mood: float
    # (category, least probability) pairs: a reading of that category counts as at risk only from there.
    category_floors: tuple[tuple[str, float], ...] = ()


def decide(p: np.ndarray, thresholds: Thresholds) -> tuple[str, str, float] | None:
    """(kind, category, probability) from one row of class probabilities: at risk when the risk classes together
    reach ``at_risk`` (category: the likeliest of them); else low mood when it reaches ``low_mood``; else None."""
    risk = p[: len(RISK_CLASSES)]
    total, category = float(risk.sum()), RISK_CLASSES[int(np.argmax(risk))]
    if total >= max(thresholds.at_risk, dict(thresholds.category_floors).get(category, 0.0)):
        return "at_risk", category, total
    low_mood = float(p[CLASSES.index(LOW_MOOD)])
    if low_mood >= thresholds.low_mood:
        return LOW_MOOD, LOW_MOOD, low_mood
    return None


@dataclass(frozen=True)
class MeaningReader:
    weights: np.ndarray  # (columns, classes)
    bias: np.ndarray
    columns: np.ndarray  # which feature columns the weights read (the blocks chosen in training)
    exemplars: np.ndarray  # (positives, 384), unit length
    exemplar_texts: tuple[str, ...]
    exemplar_classes: np.ndarray
    thresholds: Thresholds
    fingerprint: list

    @classmethod
    def load(cls, model_file: Path = MODEL_FILE, settings_file: Path = SETTINGS_FILE) -> "MeaningReader":
        settings = yaml.safe_load(settings_file.read_text(encoding="utf-8"))
        with np.load(model_file) as arrays:
            if tuple(str(c) for c in arrays["classes"]) != CLASSES:
                raise ValueError(f"{model_file}: classes {list(arrays['classes'])} are not {list(CLASSES)}")
            return cls(arrays["weights"].astype(np.float32), arrays["bias"].astype(np.float32),
                       columns([int(b) for b in arrays["blocks"]]), arrays["exemplars"].astype(np.float32), tuple(str(t) for t in arrays["exemplar_texts"]),
                       arrays["exemplar_classes"].astype(str),
                       Thresholds(float(settings["thresholds"]["at_risk"]), float(settings["thresholds"]["low_mood"]),
                                  tuple((str(c), float(v)) for c, v in (settings.get("category_floors") or {}).items())),
                       json.loads(str(arrays["fingerprint"])))

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        logits = np.asarray(features, dtype=np.float32)[:, self.columns] @ self.weights + self.bias
        logits -= logits.max(axis=1, keepdims=True)
        e = np.exp(logits)
        return e / e.sum(axis=1, keepdims=True)

    def read(self, features: np.ndarray) -> list[MeaningReading | None]:
        """One reading per row of features: at risk if the risk classes together reach ``at_risk``, else low
        mood if low mood reaches ``low_mood``, else None."""
        features = np.asarray(features, dtype=np.float32)
        if features.ndim != 2 or features.shape[1] < int(self.columns.max()) + 1:
            raise ValueError(f"expected (rows, >= {int(self.columns.max()) + 1}) features, got {features.shape}")
        readings: list[MeaningReading | None] = []
        sentences = None
        for row, p in enumerate(self.probabilities(features)):
            decided = decide(p, self.thresholds)
            if decided is None:
                readings.append(None)
                continue
            sentences = sentence_block(features) if sentences is None else sentences
            kind, category, probability = decided
            readings.append(MeaningReading(kind, category, probability, self.nearest(sentences[row], category)))
        return readings

    def nearest(self, sentence: np.ndarray, category: str) -> str:
        """The exemplar of ``category`` most like the message (cosine similarity of sentence embeddings)."""
        rows = np.flatnonzero(self.exemplar_classes == category)
        best = rows[int(np.argmax(self.exemplars[rows] @ sentence))]
        return self.exemplar_texts[best]


@lru_cache(maxsize=1)
def meaning_reader() -> MeaningReader | None:
    """The shipped reader, or None (patterns alone) when the model is missing or was trained on other features."""
    if not MODEL_FILE.is_file():
        logger.warning("risk reader by meaning not trained (%s missing): patterns only", MODEL_FILE)
        return None
    reader = MeaningReader.load()
    from actions.emotion.embedder import source_fingerprint

    if reader.fingerprint != source_fingerprint()["top_layers_sha256"]:
        logger.error("risk reader by meaning was trained on another encoder: patterns only until "
                     "`python -m training.risk_meaning` is run again")
        return None
    return reader
