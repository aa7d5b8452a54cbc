"""EmotionScorer: embedding -> trained head -> cue layer -> one JSON-ready dict per message."""
from __future__ import annotations

import sys
import threading
from pathlib import Path
from typing import Iterable

import numpy as np

from actions import config
from actions.emotion import EMOTIONS
from actions.emotion.bands import band_for
from actions.emotion.cues import Cue, find_cues
from actions.emotion.embedder import Embedder
from actions.emotion.head import HEAD_DIR, Ensemble
from actions.emotion.labels import AROUSAL, SIX
from actions.emotion.text import CleanText, LanguageFlagger, clean
from actions.emotion.tone import tone_for

# Below this, no emotion is "dominant": the message reads as neutral.
DOMINANT_MIN = 0.25
# Model labels at least this likely are listed among the cues, so agents see what the model read.
MODEL_CUE_MIN = 0.3


def _r(x: float) -> float:
    return round(float(x), 4)


class EmotionScorer:
    """Thread-safe; loads the embedding model on first use or on ``warm_up()``."""

    def __init__(self, head_dir: Path | str = HEAD_DIR, backend: str | None = None,
                 max_chars: int | None = None) -> None:
        self.head = Ensemble.load(head_dir)
        self.embedder = Embedder(backend, head_dir=Path(head_dir))
        self.language = LanguageFlagger()
        self.max_chars = int(max_chars or config.EMOTION_MAX_CHARS)
        label_index = {name: i for i, name in enumerate(self.head.labels)}
        self._six = {e: [label_index[l] for l in SIX[e]] for e in EMOTIONS}
        self._negative = [label_index[l] for l in self.head.sentiment["negative"]]
        self._positive = [label_index[l] for l in self.head.sentiment["positive"]]
        self._arousal = np.array([AROUSAL[l] for l in self.head.labels], dtype=np.float32)
        self._warm = threading.Event()

    @property
    def backend(self) -> str | None:
        return self.embedder.backend

    def warm_up(self) -> "EmotionScorer":
        """Loads the model and language identifier and runs one inference, so the first real call is fast."""
        if not self._warm.is_set():
            self.embedder.load()
            self.language.load()
            self.score_many(["warm up", "I have been waiting THREE WEEKS for a call back!!"])
            self._warm.set()
        return self

    def score(self, text: str) -> dict:
        return self.score_many([text])[0]

    def score_many(self, texts: Iterable[str], batch_size: int = 64, progress: bool = False) -> list[dict]:
        texts = list(texts)
        for i, text in enumerate(texts):
            if not isinstance(text, str):
                raise TypeError(f"texts[{i}] must be str, got {type(text).__name__}")
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        cleaned = [clean(t, self.max_chars) for t in texts]
        readable = [i for i, c in enumerate(cleaned) if c.text]
        probs = np.zeros((len(texts), len(self.head.labels)), dtype=np.float32)
        if readable:
            bar = _progress_bar(len(readable)) if progress else None
            embeddings = self.embedder.embed([cleaned[i].text for i in readable], batch_size=batch_size,
                                             on_batch=bar.update if bar else None)
            if bar:
                bar.close()
            probs[readable] = self.head.predict(embeddings)
        return [self._compose(c, p) if c.text else self._empty(c) for c, p in zip(cleaned, probs)]

    def _compose(self, cleaned: CleanText, probs: np.ndarray) -> dict:
        cues = find_cues(cleaned.text)
        intensity = float(probs @ self._arousal)
        valence = float(probs[self._positive].sum() - probs[self._negative].sum())
        emotions = {e: float(probs[idx].sum()) for e, idx in self._six.items()}
        for cue in cues:
            intensity = 1.0 - (1.0 - intensity) * (1.0 - cue.intensity)
            # A cue moves valence that fraction of the way towards -1 (or +1): bounded, order-free enough.
            valence += cue.valence * (1.0 + valence if cue.valence < 0 else 1.0 - valence)
            for emotion, boost in cue.emotions.items():
                emotions[emotion] = 1.0 - (1.0 - emotions[emotion]) * (1.0 - boost)
            for emotion, share in cue.dampens.items():
                emotions[emotion] *= 1.0 - share
        intensity, valence = _clip(intensity, 0, 1), _clip(valence, -1, 1)
        top = max(EMOTIONS, key=lambda e: emotions[e])
        language = self.language.detect(cleaned.text)
        score = {
            "intensity": _r(intensity),
            "valence": _r(valence),
            "tone": tone_for(intensity, valence),
            "dominant": top if emotions[top] >= DOMINANT_MIN else "neutral",
            "emotions": {e: _r(_clip(v, 0, 1)) for e, v in emotions.items()},
            "cues": self._model_cues(probs) + [c.label() for c in _dedupe(cues)],
            "language": language.code,
            "is_english": language.is_english,
            "truncated": cleaned.truncated,
        }
        # The care band reads the finished score and the words; computed here once, read everywhere.
        score.update(band_for(score, cleaned.text).as_fields())
        return score

    def _model_cues(self, probs: np.ndarray) -> list[str]:
        order = np.argsort(-probs)[:3]
        return [f"model: {self.head.labels[i]} {probs[i]:.2f}" for i in order
                if probs[i] >= MODEL_CUE_MIN and self.head.labels[i] != "neutral"]

    @staticmethod
    def _empty(cleaned: CleanText) -> dict:
        return {
            "intensity": 0.0, "valence": 0.0, "tone": "neutral", "dominant": "neutral",
            "emotions": {e: 0.0 for e in EMOTIONS}, "cues": [], "language": "und", "is_english": True,
            "truncated": cleaned.truncated, "band": "mild", "band_reasons": ["nothing to read"], "check_in": False,
        }


def _clip(x: float, low: float, high: float) -> float:
    return min(high, max(low, x))


def _dedupe(cues: list[Cue]) -> list[Cue]:
    seen, out = set(), []
    for cue in cues:
        if cue.label() not in seen:
            seen.add(cue.label())
            out.append(cue)
    return out


def _progress_bar(total: int):
    from tqdm import tqdm

    return tqdm(total=total, unit="msg", file=sys.stderr, desc="scoring", mininterval=0.5)
