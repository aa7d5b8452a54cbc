"""Weak evidence gets one short question: an "off topic" guess for a message that is plainly for an insurer.

Read after the knowledge retriever (``rasa_addons/understanding_check.py``). When the classifier's guess is
``out_of_scope`` and the knowledge base found no answer, the message becomes ``clarify_topic`` (one short
question: a claim, your policy or cover, a payment, or something else?) if

- it uses the insurer's own vocabulary (insurance, a policy, a claim, our products, an incident we insure),
- or it names nothing but help or one of our products ("need help asap", "the thing with my house"),
- or it is a follow-up with nothing before it ("what about the other one" as a first message).

A message with laughter or a wink ("lol", "haha", ":)") is a remark, and one asking for insurance we do not sell
("pet insurance") a clear request: neither is asked about. Words and their reasons
live in ``understanding.yml``. Pure Python (no Rasa imports), so it is tested in either
runtime; every pattern is a literal alternation or anchored, so the reading is linear.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Iterable, Optional

import yaml

HERE = Path(__file__).resolve().parent
RULES_PATH = HERE / "understanding.yml"

CLARIFY_TOPIC = "clarify_topic"
_WORD = re.compile(r"[a-z0-9']+")


def _words_pattern(words: Iterable[str]) -> re.Pattern:
    """Whole words or phrases; a trailing ``*`` takes any ending."""
    parts = []
    for word in sorted({w.lower().strip() for w in words if w and w.strip()}, key=len, reverse=True):
        stem = word.rstrip("*")
        parts.append(re.escape(stem) + (r"[\w']*" if word.endswith("*") else ""))
    return re.compile(r"(?<![\w'])(?:" + "|".join(parts) + r")(?![\w'])")


def _laughter_pattern(marks: Iterable[str]) -> re.Pattern:
    """Words whole (a trailing ``*`` takes any ending); emoticons and emoji wherever they are."""
    words = [m.lower() for m in marks if m and (m[0].isalnum())]
    signs = [m.lower() for m in marks if m and not m[0].isalnum()]  # the text is read in lower case
    parts = [_words_pattern(words).pattern] if words else []
    parts += [re.escape(sign) for sign in signs]
    return re.compile("|".join(parts))


@dataclass(frozen=True)
class UnderstandingRules:
    intents: frozenset
    max_chars: int
    insurance_words: re.Pattern
    help_words: frozenset
    product_words: frozenset
    generic_words: frozenset
    follow_up: re.Pattern
    follow_up_max_words: int
    laughter: re.Pattern
    not_our_products: re.Pattern
    no_topic_intents: frozenset = frozenset()
    topic_free_words: frozenset = frozenset()

    @classmethod
    def load(cls, path: Path = RULES_PATH) -> "UnderstandingRules":
        raw: Dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
        openings = sorted({o.lower() for o in raw["follow_up_openings"]}, key=len, reverse=True)
        return cls(
            intents=frozenset(raw["intents"]),
            max_chars=int(raw["max_chars"]),
            insurance_words=_words_pattern(raw["insurance_words"]),
            help_words=frozenset(str(raw["help_words"]).lower().split()),
            product_words=frozenset(str(raw["product_words"]).lower().split()),
            generic_words=frozenset(str(raw["generic_words"]).lower().split()),
            follow_up=re.compile(r"^\W*(?:" + "|".join(re.escape(o) for o in openings) + r")(?![\w'])"),
            follow_up_max_words=int(raw["follow_up_max_words"]),
            laughter=_laughter_pattern(raw["laughter"]),
            not_our_products=re.compile(_words_pattern(raw["not_our_products"]).pattern
                                        + r"\s+(?:insurance|insurer|cover|policy|policies)\b"),
            no_topic_intents=frozenset(raw.get("no_topic_intents") or ()),
            topic_free_words=frozenset(str(raw.get("topic_free_words") or "").lower().split()),
        )


@lru_cache(maxsize=1)
def default_rules() -> UnderstandingRules:
    return UnderstandingRules.load()


def normalised(text: str, max_chars: int) -> str:
    return " ".join((text or "")[:max_chars].lower().replace("’", "'").split())


def is_follow_up(text: str, rules: Optional[UnderstandingRules] = None) -> bool:
    """An elliptical question that leans on an earlier one ("what about snowboarding?", "and for my partner?")."""
    rules = rules or default_rules()
    words = normalised(text, rules.max_chars)
    return bool(rules.follow_up.match(words)) and len(_WORD.findall(words)) <= rules.follow_up_max_words


def vague_reason(text: str, rules: Optional[UnderstandingRules] = None) -> Optional[str]:
    """Why an off-topic guess for ``text`` deserves a question instead, or None."""
    rules = rules or default_rules()
    words = normalised(text, rules.max_chars)
    if rules.laughter.search(words):
        return None  # a joke or an aside, not a request
    if rules.not_our_products.search(words):
        return None  # a clear request for insurance we do not sell: the off-topic reply says what we do
    found = rules.insurance_words.search(words)
    if found:
        return f"names the insurer's business ({found.group(0)!r})"
    tokens = set(_WORD.findall(words))
    named = tokens & (rules.help_words | rules.product_words)
    if named and tokens <= rules.generic_words | rules.help_words | rules.product_words:
        return f"asks for help with nothing named but {', '.join(sorted(named))}"
    if is_follow_up(text, rules):
        return "a follow-up with no earlier question"
    return None


def names_no_topic(text: str, rules: Optional[UnderstandingRules] = None) -> Optional[str]:
    """Why a message names no topic (only fillers, help words, our products, insurance itself), or None."""
    rules = rules or default_rules()
    words = normalised(text, rules.max_chars)
    if rules.laughter.search(words):
        return None
    tokens = set(_WORD.findall(words))
    named = tokens & (rules.help_words | rules.product_words | rules.topic_free_words)
    if named and tokens <= rules.generic_words | rules.help_words | rules.product_words | rules.topic_free_words:
        return f"names no topic, only {', '.join(sorted(named))}"
    return None


def clarify_reading(intent: Optional[str], knowledge_outcome: Optional[str], text: str,
                    rules: Optional[UnderstandingRules] = None) -> Optional[str]:
    """The reason to ask what the message is about, or None when the guess stands. A knowledge-base answer or
    choice (``knowledge_outcome`` other than none) is left to the retriever, except for a message that names no
    topic (``no_topic_intents``)."""
    rules = rules or default_rules()
    if intent in rules.no_topic_intents:
        return names_no_topic(text, rules)
    if intent not in rules.intents or knowledge_outcome not in (None, "none"):
        return None
    return vague_reason(text, rules)
