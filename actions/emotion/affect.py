"""From what the model read to the numbers the bot acts on: valence, arousal, intensity and the per-emotion
intensities. Pure arithmetic; the parameters and their reasons are in ``intensity.yml`` (read once).

    valence   = clip((V - valence_neutral) / valence_span, -1, 1)          V, A: the affect head's EmoBank ratings
    arousal   = clip((A - arousal_calm) / (arousal_high - arousal_calm), 0, 1)
    intensity = clip(w_a * arousal + w_n * max(0, -valence) + w_c * categorical, 0, 1), then the cues (noisy-OR,
                their combined share capped at cue_intensity_cap)
    emotion   = share of the emotion among the non-neutral GoEmotions labels * intensity before cues, then that
                emotion's cue boosts (noisy-OR, capped at cue_emotion_cap)

so an emotion reads as strong only when the message is both charged and clearly that emotion; no clear case
saturates at 1 on the model alone.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import yaml

SETTINGS_FILE = Path(__file__).resolve().parent / "intensity.yml"


def clip(x: float, low: float, high: float) -> float:
    return min(high, max(low, x))


@dataclass(frozen=True)
class AffectSettings:
    valence_neutral: float
    valence_span: float
    arousal_calm: float
    arousal_high: float
    arousal_weight: float
    negativity_weight: float
    categorical_weight: float
    cue_intensity_cap: float
    cue_emotion_cap: float

    @classmethod
    def load(cls, path: Path | str = SETTINGS_FILE) -> "AffectSettings":
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        scale, weights = raw["scale"], raw["weights"]
        settings = cls(
            valence_neutral=float(scale["valence_neutral"]), valence_span=float(scale["valence_span"]),
            arousal_calm=float(scale["arousal_calm"]), arousal_high=float(scale["arousal_high"]),
            arousal_weight=float(weights["arousal"]), negativity_weight=float(weights["negativity"]),
            categorical_weight=float(weights["categorical"]),
            cue_intensity_cap=float(raw["cue_intensity_cap"]), cue_emotion_cap=float(raw["cue_emotion_cap"]))
        settings.validate(path)
        return settings

    def validate(self, source: object = "settings") -> None:
        if self.valence_span <= 0 or self.arousal_high <= self.arousal_calm:
            raise ValueError(f"{source}: valence_span must be > 0 and arousal_high above arousal_calm")
        if not all(1.0 <= x <= 5.0 for x in (self.valence_neutral, self.arousal_calm, self.arousal_high)):
            raise ValueError(f"{source}: scale anchors must lie on EmoBank's 1..5 scale")
        if any(w < 0 for w in (self.arousal_weight, self.negativity_weight, self.categorical_weight)):
            raise ValueError(f"{source}: weights must not be negative")
        if not all(0.0 <= cap <= 1.0 for cap in (self.cue_intensity_cap, self.cue_emotion_cap)):
            raise ValueError(f"{source}: cue caps must lie in 0..1")

    def valence(self, rating: float) -> float:
        return clip((rating - self.valence_neutral) / self.valence_span, -1.0, 1.0)

    def arousal(self, rating: float) -> float:
        return clip((rating - self.arousal_calm) / (self.arousal_high - self.arousal_calm), 0.0, 1.0)

    def intensity(self, valence: float, arousal: float, categorical: float) -> float:
        """Intensity before cues, from valence (-1..1), arousal (0..1) and the categorical arousal (0..1)."""
        return clip(self.arousal_weight * arousal + self.negativity_weight * max(0.0, -valence)
                    + self.categorical_weight * categorical, 0.0, 1.0)


def noisy_or(values: Iterable[float], cap: float = 1.0) -> float:
    """1 - prod(1 - v), capped: several weak signals add up, none pushes the total past ``cap``."""
    remaining = 1.0
    for value in values:
        remaining *= 1.0 - clip(value, 0.0, 1.0)
    return min(cap, 1.0 - remaining)


def combine(level: float, boost: float) -> float:
    """Noisy-OR of a level and a boost, both 0..1."""
    return 1.0 - (1.0 - level) * (1.0 - boost)


def emotion_shares(group_probs: dict[str, float], other_labels: float) -> dict[str, float]:
    """Each emotion's share of what the message shows beyond neutral (``other_labels``: the probability of the
    labels no emotion counts, such as curiosity or surprise); all zero for a message read as plain neutral."""
    total = sum(group_probs.values()) + other_labels
    if total <= 1e-9:
        return {e: 0.0 for e in group_probs}
    return {e: p / total for e, p in group_probs.items()}
