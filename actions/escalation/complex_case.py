"""A complex case from the message's meaning and the conversation, not a bare word.

``COMPLEX_CASE`` (lexicon) finds the words; this decides whether they are about us. A decline or dispute
that the lexicon already ties to a claim ("my claim was rejected", "the ombudsman") counts; a bare one ("it
was rejected") counts only when the conversation is about a claim (a claim intent now or earlier, or claim
words in an earlier message) — never on the message's own loose words, so "why have you declined my card"
stays routine. A large loss ("written off", "£25,000") is one only in a message about a claim in the same
sense (its intent, claim words or the conversation), not in a fragment the bot still has to ask about. A
message read as another company's problem or a what-if, or one that puts the decline with
someone else's insurer ("my mate's insurer refused his claim") without speaking to us, is never a complex case. Lists in
``complex_case.yml`` with their reasons.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Optional, Tuple

import yaml

from actions.escalation.lexicon import BARE_REFUSAL, COMPLEX_CASE

SETTINGS_PATH = Path(__file__).with_name("complex_case.yml")
DECLINED = "declined_or_disputed_claim"
LARGE_LOSS = "large_loss"


@lru_cache(maxsize=1)
def _settings() -> Tuple[re.Pattern, frozenset, frozenset]:
    raw = yaml.safe_load(SETTINGS_PATH.read_text(encoding="utf-8"))
    words = sorted({word.lower() for word in raw["claim_context"]}, key=len, reverse=True)
    pattern = re.compile(r"(?<![\w'])(?:" + "|".join(re.escape(word) for word in words) + r")(?![\w'])",
                         re.IGNORECASE)
    return pattern, frozenset(raw["never_complex_intents"]), frozenset(raw["claim_intents"])


@lru_cache(maxsize=1)
def _someone_elses() -> Tuple[re.Pattern, re.Pattern]:
    raw = yaml.safe_load(SETTINGS_PATH.read_text(encoding="utf-8"))
    insurer = re.compile("|".join(f"(?:{expression})" for expression in raw["someone_elses_insurer"]), re.IGNORECASE)
    return insurer, re.compile(raw["speaks_to_us"], re.IGNORECASE)


def about_someone_elses_insurer(text: str) -> bool:
    """True when the message puts the decline with another insurer and does not speak to us at all."""
    insurer, speaks_to_us = _someone_elses()
    text = (text or "")[:2000]
    return insurer.search(text) is not None and speaks_to_us.search(text) is None


def about_a_claim(text: str, intent: Optional[str], earlier_texts: Iterable[str] = (),
                  earlier_intents: Iterable[Optional[str]] = ()) -> bool:
    claim_words, _, claim_intents = _settings()
    if intent in claim_intents or any(earlier in claim_intents for earlier in earlier_intents):
        return True
    return any(claim_words.search((piece or "")[:2000]) for piece in (text, *earlier_texts))


def complex_case_words(text: str, intent: Optional[str], earlier_texts: Iterable[str] = (),
                       earlier_intents: Iterable[Optional[str]] = ()) -> Optional[Tuple[str, str]]:
    """(category, words) of a complex case this message shows, or None."""
    _, never, _ = _settings()
    if intent in never or about_someone_elses_insurer(text):
        return None
    earlier_texts, earlier_intents = list(earlier_texts), list(earlier_intents)
    for category, pattern in COMPLEX_CASE.items():
        match = pattern.search(text)
        if match is None:
            continue
        if category == LARGE_LOSS and not about_a_claim(text, intent, earlier_texts, earlier_intents):
            # "The garage said it's a write off" on its own: a size of loss, but whose, and is it a claim? The
            # bot asks what it is about first (session 7); the claim, once named, brings the person.
            continue
        return category, match.group(0)
    bare = BARE_REFUSAL.search(text)
    if bare is not None and about_a_claim("", intent, earlier_texts, earlier_intents):
        return DECLINED, bare.group(0)
    return None


def never_complex(intent: Optional[str]) -> bool:
    return intent in _settings()[1]


def amount_counts(text: str, intent: Optional[str], earlier_texts: Iterable[str] = (),
                  earlier_intents: Iterable[Optional[str]] = ()) -> bool:
    """A large amount is a large loss only in a message about a claim (its intent, its words or the
    conversation's), never in one read as another company's or a what-if."""
    return not never_complex(intent) and about_a_claim(text, intent, earlier_texts, earlier_intents)

