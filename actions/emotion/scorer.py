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
from actions.emotion.affect import AffectSettings, clip, combine, emotion_shares, noisy_or
from actions.emotion.cues import Cue, find_cues
from actions.emotion.embedder import Embedder
from actions.emotion.head import HEAD_DIR, Ensemble
from actions.emotion.labels import AROUSAL, SIX
from actions.emotion.meaning import MeaningReading, meaning_reader
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
                 max_chars: int | None = None, affect: AffectSettings | None = None,
                 onnx_dir: Path | None = None) -> None:
        self.head = Ensemble.load(head_dir)
        self.affect = affect or AffectSettings.load()
        self.embedder = Embedder(backend, onnx_dir=onnx_dir, head_dir=Path(head_dir))
        # The risk reader by meaning reads the shipped encoder's features (another model folder: patterns only).
        self.meaning = meaning_reader() if Path(head_dir).resolve() == HEAD_DIR else None
        self.language = LanguageFlagger()
        self.max_chars = int(max_chars or config.EMOTION_MAX_CHARS)
        label_index = {name: i for i, name in enumerate(self.head.labels)}
        self._six = {e: [label_index[l] for l in SIX[e]] for e in EMOTIONS}
        self._negative = [label_index[l] for l in self.head.sentiment["negative"]]
        self._positive = [label_index[l] for l in self.head.sentiment["positive"]]
        grouped = {i for idx in self._six.values() for i in idx}
        self._ungrouped = [i for i, name in enumerate(self.head.labels) if i not in grouped and name != "neutral"]
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
        ratings = np.full((len(texts), 2), np.nan, dtype=np.float32)
        meanings: list[MeaningReading | None] = [None] * len(texts)
        if readable:
            bar = _progress_bar(len(readable)) if progress else None
            embeddings = self.embedder.embed([cleaned[i].text for i in readable], batch_size=batch_size,
                                             on_batch=bar.update if bar else None)
            if bar:
                bar.close()
            probs[readable] = self.head.predict(embeddings)
            affect = self.head.predict_affect(embeddings)
            if affect is not None:
                ratings[readable] = affect
            if self.meaning is not None:
                for i, reading in zip(readable, self.meaning.read(embeddings)):
                    meanings[i] = reading
        return [self._compose(c, p, r, m) if c.text else self._empty(c)
                for c, p, r, m in zip(cleaned, probs, ratings, meanings)]

    def _model_affect(self, probs: np.ndarray, ratings: np.ndarray) -> tuple[float, float, float]:
        """Valence (-1..1), arousal (0..1) and the categorical arousal (0..1) the model read, before cues."""
        categorical = float(probs @ self._arousal)
        if np.isnan(ratings).any():  # a model trained without EmoBank (no affect head): the label-based reading
            return float(probs[self._positive].sum() - probs[self._negative].sum()), categorical, categorical
        return self.affect.valence(float(ratings[0])), self.affect.arousal(float(ratings[1])), categorical

    def _compose(self, cleaned: CleanText, probs: np.ndarray, ratings: np.ndarray,
                 meaning: MeaningReading | None = None) -> dict:
        cues = find_cues(cleaned.text)
        valence, arousal, categorical = self._model_affect(probs, ratings)
        # Without an affect head, intensity is the categorical arousal alone (the scorer before EmoBank).
        model_intensity = (categorical if self.head.affects is None
                           else self.affect.intensity(valence, arousal, categorical))
        shares = emotion_shares({e: float(probs[idx].sum()) for e, idx in self._six.items()},
                                float(probs[self._ungrouped].sum()))
        emotions = {e: share * model_intensity for e, share in shares.items()}
        intensity = combine(model_intensity, noisy_or((c.intensity for c in cues), self.affect.cue_intensity_cap))
        for emotion in EMOTIONS:
            boost = noisy_or((c.emotions.get(emotion, 0.0) for c in cues), self.affect.cue_emotion_cap)
            emotions[emotion] = combine(emotions[emotion], boost)
        for cue in cues:
            # A cue moves valence that fraction of the way towards -1 (or +1): bounded, order-free enough.
            valence += cue.valence * (1.0 + valence if cue.valence < 0 else 1.0 - valence)
            for emotion, share in cue.dampens.items():
                emotions[emotion] *= 1.0 - share
            intensity *= 1.0 - cue.softens
        intensity, valence = clip(intensity, 0, 1), clip(valence, -1, 1)
        top = max(EMOTIONS, key=lambda e: emotions[e])
        language = self.language.detect(cleaned.text)
        score = {
            "intensity": _r(intensity),
            "valence": _r(valence),
            "arousal": _r(arousal),
            "tone": tone_for(intensity, valence),
            "dominant": top if emotions[top] >= DOMINANT_MIN else "neutral",
            "emotions": {e: _r(clip(v, 0, 1)) for e, v in emotions.items()},
            "cues": self._model_cues(probs) + [c.label() for c in _dedupe(cues)],
            "language": language.code,
            "is_english": language.is_english,
            "truncated": cleaned.truncated,
            # At risk or low mood by meaning (meaning.py), or None; read in context by risk.py and bands.py.
            "risk_meaning": meaning.as_dict() if meaning else None,
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
            "intensity": 0.0, "valence": 0.0, "arousal": 0.0, "tone": "neutral", "dominant": "neutral",
            "emotions": {e: 0.0 for e in EMOTIONS}, "cues": [], "language": "und", "is_english": True,
            "truncated": cleaned.truncated, "risk_meaning": None, "band": "mild", "band_reasons": ["nothing to read"], "check_in": False,
        }


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
