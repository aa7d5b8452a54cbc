"""Where a conversation is heading, from the per-message score dicts (a pure function, no model).

Per message, *distress* is intensity weighted by how negative the message is (a lively "thank you!!"
is intense but not distress). Over the conversation:

- ``level``: exponentially weighted moving average of distress (recent turns count most),
- ``peak`` / ``peak_index``: the highest single distress,
- ``slope``: least-squares change in distress per turn over the last ``WINDOW`` turns,
- ``negative_turns``: messages whose tone is upset or distressed; ``negative_streak`` the trailing run,
- ``rising``: distress is climbing and the latest message is at least upset,
- ``sustained``: most recent turns are upset or worse, or the smoothed level has stayed high.
"""
from __future__ import annotations

from typing import Sequence

from actions import config
from actions.emotion.tone import tone_for

EWMA_ALPHA = 0.5
WINDOW = 4
RISING_MIN_SLOPE = 0.05
SUSTAINED_MIN_TURNS = 3
NEGATIVE_TONES = ("upset", "distressed")


def distress(intensity: float, valence: float) -> float:
    """Intensity scaled by negativity: full weight at valence <= -0.5, none at valence >= 0.3."""
    negativity = min(1.0, max(0.0, (0.3 - valence) / 0.8))
    return intensity * negativity


def conversation_trajectory(scores: Sequence[dict]) -> dict:
    """Summarises a list of ``score()`` dicts (oldest first). Raises ValueError on malformed entries."""
    if isinstance(scores, (str, bytes, dict)):
        raise ValueError("scores must be a list of score dicts, oldest first")
    intensities, valences, tones = [], [], []
    for index, score in enumerate(scores):
        intensity, valence = _number(score, "intensity", index, 0, 1), _number(score, "valence", index, -1, 1)
        intensities.append(intensity)
        valences.append(valence)
        tones.append(score.get("tone") if score.get("tone") in ("distressed", "upset", "neutral", "positive")
                     else tone_for(intensity, valence))
    series = [distress(i, v) for i, v in zip(intensities, valences)]
    smoothed = _ewma(series)
    negative = [t in NEGATIVE_TONES for t in tones]
    streak = 0
    for flag in reversed(negative):
        if not flag:
            break
        streak += 1
    recent = series[-WINDOW:]
    slope = _slope(recent)
    level = smoothed[-1] if smoothed else 0.0
    peak_index = max(range(len(series)), key=series.__getitem__) if series else None
    rising = (len(recent) >= 2 and slope >= RISING_MIN_SLOPE and negative[-1]
              and series[-1] > min(recent[:-1]))
    recent_negative = sum(negative[-WINDOW:])
    sustained = (recent_negative >= SUSTAINED_MIN_TURNS
                 or (len(smoothed) >= SUSTAINED_MIN_TURNS
                     and min(smoothed[-SUSTAINED_MIN_TURNS:]) >= config.EMOTION_TONE_UPSET))
    return {
        "turns": len(series),
        "intensity": [round(x, 4) for x in intensities],
        "distress": [round(x, 4) for x in series],
        "smoothed": [round(x, 4) for x in smoothed],
        "tones": tones,
        "level": round(level, 4),
        "peak": round(series[peak_index], 4) if series else 0.0,
        "peak_index": peak_index,
        "slope": round(slope, 4),
        "negative_turns": sum(negative),
        "negative_streak": streak,
        "rising": bool(rising),
        "sustained": bool(sustained),
    }


def _number(score: object, key: str, index: int, low: float, high: float) -> float:
    if not isinstance(score, dict):
        raise ValueError(f"scores[{index}] must be a score dict, got {type(score).__name__}")
    value = score.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise ValueError(f"scores[{index}][{key!r}] must be a number in [{low}, {high}], got {value!r}")
    return float(value)


def _ewma(values: list[float]) -> list[float]:
    out: list[float] = []
    for value in values:
        out.append(value if not out else EWMA_ALPHA * value + (1 - EWMA_ALPHA) * out[-1])
    return out


def _slope(values: list[float]) -> float:
    n = len(values)
    if n < 2:
        return 0.0
    mean_x, mean_y = (n - 1) / 2, sum(values) / n
    covariance = sum((x - mean_x) * (y - mean_y) for x, y in enumerate(values))
    variance = sum((x - mean_x) ** 2 for x in range(n))
    return covariance / variance
