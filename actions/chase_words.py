"""Words of chasing us and of a call back that never came, shared with the NLU's commitment guard
(rasa_addons/commitment.yml): a chase is claim status, not a new claim, and a missed call back is owned by name."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Text

import yaml

_CHASE_WORDS_PATH = Path(__file__).resolve().parent.parent / "rasa_addons" / "commitment.yml"


def _phrases(phrases) -> re.Pattern:
    ordered = sorted({phrase.lower() for phrase in phrases}, key=len, reverse=True)
    return re.compile(r"(?<![\w'])(?:" + "|".join(re.escape(phrase) for phrase in ordered) + r")(?![\w'])")


@lru_cache(maxsize=1)
def chase_words() -> tuple[re.Pattern, re.Pattern]:
    """(all chase words, the missed-call-back ones)."""
    raw = yaml.safe_load(_CHASE_WORDS_PATH.read_text(encoding="utf-8"))
    return _phrases(raw["chase"] + raw["missed_call_back"]), _phrases(raw["missed_call_back"])


def cleaned(text: Text) -> Text:
    return " ".join((text or "")[:2000].lower().replace("’", "'").split())


def missed_call_back(text: Text) -> bool:
    """The customer says a call back from us never came ("nobody called me back")."""
    return bool(chase_words()[1].search(cleaned(text)))
