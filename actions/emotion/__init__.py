"""Emotional intensity scorer for customer messages (see MODEL_CARD.md).

Importing this package is cheap: the model loads on the first ``score`` or on ``warm_up()``, so Sanic
workers and Rasa components start fast.

    from actions.emotion import get_scorer
    get_scorer().score("I reported the water damage THREE WEEKS ago and nobody has called me.")
"""
from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from actions.emotion.scorer import EmotionScorer

__all__ = ["get_scorer", "prepare", "EMOTIONS"]

EMOTIONS = ("anger", "frustration", "fear", "sadness", "joy", "confusion")

_scorer: "EmotionScorer | None" = None
_lock = threading.Lock()


def get_scorer() -> "EmotionScorer":
    """The process-wide scorer (created once, thread-safe; its model loads lazily)."""
    global _scorer
    if _scorer is None:
        with _lock:
            if _scorer is None:
                from actions.emotion.scorer import EmotionScorer

                _scorer = EmotionScorer()
    return _scorer


def prepare(directory: Path | None = None, force: bool = False) -> Path:
    """Idempotent setup step: ONNX export of the local MiniLM into var/ (see actions.emotion.prepare)."""
    from actions.emotion.prepare import prepare as _prepare

    return _prepare(directory, force=force)
