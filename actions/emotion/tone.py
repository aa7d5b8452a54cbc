"""The score's raw ``tone`` (intensity and valence only; thresholds from actions.config).

The bot does not act on it: its ``emotion_tone`` slot takes the care band (``actions/emotion/bands.py``).
``tone`` stays in the score for the conversation trajectory (``trajectory.py``) and for "positive".
"""
from __future__ import annotations

from actions import config

TONES = ("distressed", "upset", "neutral", "positive")
# Clearly positive messages stay "positive" even when lively ("thank you so much!!"); a flat "ok" is neutral.
POSITIVE_VALENCE = 0.25
POSITIVE_MIN_INTENSITY = 0.1
# Charged but barely positive (mixed) messages are still treated as upset, never as happy.
UPSET_MAX_VALENCE = 0.1


def tone_for(intensity: float, valence: float) -> str:
    if valence >= POSITIVE_VALENCE:
        return "positive" if intensity >= POSITIVE_MIN_INTENSITY else "neutral"
    if valence < 0 and intensity >= config.EMOTION_TONE_DISTRESSED:
        return "distressed"
    if valence < UPSET_MAX_VALENCE and intensity >= config.EMOTION_TONE_UPSET:
        return "upset"
    return "neutral"
