"""Figures of speech that hold an event word without the event: "I nearly died laughing", "dying to know",
"the GP surgery" (a place). Blanked before the vulnerability words (actions/escalation/lexicon.py) and the
life-event cues (cues.py) are read: in the judgement set (session 3) both were offered a person, as a
bereavement and as an illness. Risk to life has its own reader in context (risk.py).
"""
from __future__ import annotations

import re

FIGURES_OF_SPEECH = re.compile(
    r"\b(?:(?:nearly|almost|practically|literally|could have|could've|i) )?died (?:laughing|of (?:embarrassment|"
    r"shame|boredom|laughter|fright|cringe))\b|\bdying (?:to|for)\b|\bto die for\b|"
    r"\b(?:gp|doctor'?s|doctors'|dental|dentist'?s|vet'?s|vets'|veterinary) surgery\b",
    re.IGNORECASE)


def without_figures_of_speech(text: str) -> str:
    return FIGURES_OF_SPEECH.sub(" ", text)
