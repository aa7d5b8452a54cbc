"""How GoEmotions' 27 emotions (+ neutral) map onto what the bot and agents use."""
from __future__ import annotations

# The six emotions reported per message. Each GoEmotions label counts for at most one of them; the
# ambiguous curiosity / surprise / realization and neutral count for none.
SIX = {
    "anger": ["anger", "disgust"],
    "frustration": ["annoyance", "disappointment", "disapproval"],
    "fear": ["fear", "nervousness"],
    "sadness": ["sadness", "grief", "remorse", "embarrassment"],
    "joy": ["joy", "amusement", "gratitude", "love", "optimism", "relief", "excitement", "admiration", "pride",
            "caring", "approval", "desire"],
    "confusion": ["confusion"],
}

# How charged each label is (arousal, 0..1), hand-set: grief or anger are intense, approval or
# curiosity barely. Intensity is the probability-weighted sum of these, before cues.
AROUSAL = {
    "anger": 1.0, "disgust": 0.9, "grief": 1.0, "fear": 0.95, "nervousness": 0.75, "sadness": 0.8,
    "remorse": 0.6, "embarrassment": 0.5, "annoyance": 0.7, "disappointment": 0.65, "disapproval": 0.5,
    "confusion": 0.35, "surprise": 0.5, "curiosity": 0.1, "realization": 0.2,
    "excitement": 0.8, "joy": 0.65, "love": 0.7, "amusement": 0.5, "gratitude": 0.45, "admiration": 0.5,
    "pride": 0.5, "relief": 0.45, "optimism": 0.4, "caring": 0.35, "desire": 0.4, "approval": 0.2,
    "neutral": 0.0,
}
