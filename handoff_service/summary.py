"""Extractive summary of what the customer said: their most informative and most emotional sentences.

No model: each customer sentence gets
    score = informativeness + emotionality
    informativeness = distinct content words (cap 12) / 4 + 1.0 per number, date or amount
                      + 1.5 if it mentions a value the bot collected (slots)
    emotionality    = 3 * intensity of that message (0-1, from the transcript/emotion timeline)
                      + 0.75 per emotion word + 0.5 per "!" (cap 2)
The best ``max_sentences`` are returned in the order the customer said them. Near-duplicates
are skipped so a repeated complaint is shown once, and so are sentences that say almost nothing
(score below ``MIN_SCORE``: "yes, by chat please", "hi") when anything else was said.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+|\n+")
_WORD = re.compile(r"[a-zA-Z']+")
_NUMBERISH = re.compile(r"(£|\$|€)?\d[\d,./:-]*")
_STOPWORDS = frozenset(
    """a an and are as at be been but by can could did do does for from had has have he her him his how i i'm
    if in into is it it's its just me my no not of on or our she so than that the their them then there they
    this to too up us was we were what when which who will with would you your yes ok okay hi hello thanks
    thank please""".split()
)
_EMOTION_WORDS = frozenset(
    """afraid angry anxious awful desperate devastated disappointed distressed exhausted frightened frustrated
    furious grief heartbroken helpless horrible hurt lost panic panicking scared shocked sorry stressed
    terrible terrified upset worried worst ridiculous unacceptable crying died passed flood flooded fire
    stolen accident injured hospital urgent""".split()
)
CUSTOMER_SENDERS = frozenset({"customer", "user"})
MIN_SCORE = 1.0


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_SPLIT.split(text) if s and s.strip()]


def _slot_values(slots: Mapping[str, Any]) -> set[str]:
    values: set[str] = set()
    for value in slots.values():
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            text = str(value).strip().lower()
            if len(text) >= 3:
                values.add(text)
    return values


def score_sentence(sentence: str, intensity: float, slot_values: Iterable[str]) -> float:
    words = [w.lower() for w in _WORD.findall(sentence)]
    content = {w for w in words if w not in _STOPWORDS and len(w) > 2}
    informativeness = min(len(content), 12) / 4 + len(_NUMBERISH.findall(sentence))
    lowered = sentence.lower()
    if any(value in lowered for value in slot_values):
        informativeness += 1.5
    emotion_hits = sum(1 for w in words if w in _EMOTION_WORDS)
    emotionality = 3 * max(0.0, min(intensity, 1.0)) + 0.75 * emotion_hits + min(sentence.count("!"), 4) * 0.5
    return informativeness + emotionality


def _is_near_duplicate(candidate: str, chosen: list[str]) -> bool:
    words = set(_WORD.findall(candidate.lower()))
    for other in chosen:
        other_words = set(_WORD.findall(other.lower()))
        union = words | other_words
        if union and len(words & other_words) / len(union) > 0.8:
            return True
    return False


def extractive_summary(
    transcript: Iterable[Mapping[str, Any]],
    slots: Mapping[str, Any] | None = None,
    max_sentences: int = 3,
    max_chars: int = 600,
) -> str:
    slot_values = _slot_values(slots or {})
    candidates: list[tuple[float, int, str]] = []
    position = 0
    for turn in transcript:
        if str(turn.get("sender", "")).lower() not in CUSTOMER_SENDERS:
            continue
        text = turn.get("text")
        if not isinstance(text, str):
            continue
        raw_intensity = turn.get("intensity")
        intensity = float(raw_intensity) if isinstance(raw_intensity, (int, float)) else 0.0
        for sentence in _sentences(text):
            candidates.append((score_sentence(sentence, intensity, slot_values), position, sentence))
            position += 1
    if any(score >= MIN_SCORE for score, _, _ in candidates):
        candidates = [candidate for candidate in candidates if candidate[0] >= MIN_SCORE]
    chosen: list[tuple[int, str]] = []
    for _score, pos, sentence in sorted(candidates, key=lambda c: (-c[0], c[1])):
        if len(chosen) >= max_sentences:
            break
        if _is_near_duplicate(sentence, [s for _, s in chosen]):
            continue
        chosen.append((pos, sentence))
    summary = " ".join(sentence for _, sentence in sorted(chosen))
    return summary if len(summary) <= max_chars else summary[: max_chars - 1].rstrip() + "…"
