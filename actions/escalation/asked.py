"""What the customer asked for in so many words, which an emotional trigger must not replace.

A distressed customer who asks for a claim gets the claim started, and its distressed acknowledgement offers a
person beside it; the high-intensity offer alone would answer the feeling and drop the request. Words and
reasons in ``asked.yml``.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Optional, Tuple

import yaml

SETTINGS_PATH = Path(__file__).with_name("asked.yml")
MAX_CHARS = 2000


@lru_cache(maxsize=1)
def _settings() -> Tuple[re.Pattern, frozenset]:
    raw = yaml.safe_load(SETTINGS_PATH.read_text(encoding="utf-8"))
    pattern = re.compile("|".join(f"(?:{expression})" for expression in raw["claim_asked"]), re.IGNORECASE)
    return pattern, frozenset(raw["claim_intents"])


def asks_for_claim(text: str, intent: Optional[str]) -> bool:
    """True when the message is read as a claim and says, in words, that the customer wants to make one."""
    pattern, claim_intents = _settings()
    if intent not in claim_intents:
        return False
    return pattern.search((text or "")[:MAX_CHARS].replace("’", "'")) is not None
