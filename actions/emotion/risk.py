"""The one risk reader: harm to self, harm to or from others, danger now — read in context.

Everything that must put safety first asks this module: the care band (``at_risk``), the escalation
decision (crisis lines before any offer) and the relay of a waiting customer's messages to the agent.
Words are in ``risk.yml`` with their source. A match is *active* (the customer's own risk now) unless
its context discounts it: a denial ("I'm not going to hurt myself"), someone else's words, a quotation,
news or fiction, a question about cover or a "what if", laughter, or a hyperbole ("die of embarrassment").
Discounted readings are still returned, so the band can give a denied risk a gentle check-in and the
agent can see why no crisis lines were sent.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

RISK_FILE = Path(__file__).with_name("risk.yml")
CATEGORIES = ("self_harm", "threat", "danger_now")
# Customer text is hostile: risk is read in the first this-many characters (a 100 kB paste is bounded work).
MAX_CHARS = 20_000
_SENTENCE_END = re.compile(r"[.!?\n;]+")
_QUOTES = "\"“”«»"


@dataclass(frozen=True)
class RiskReading:
    category: str
    words: str
    # Why the words are not the customer's own risk now ("negation", "humour", …), or None when active.
    discounted_by: str | None = None

    @property
    def active(self) -> bool:
        return self.discounted_by is None

    def reason(self) -> str:
        label = self.category.replace("_", " ")
        if self.active:
            return f'risk words: "{self.words}" ({label})'
        return f'risk words discounted ({self.discounted_by}): "{self.words}"'


@dataclass(frozen=True)
class _Context:
    name: str
    where: str
    categories: frozenset[str]
    pattern: re.Pattern | None
    unless: re.Pattern | None


@dataclass(frozen=True)
class RiskLexicon:
    patterns: dict[str, re.Pattern]
    contexts: tuple[_Context, ...]

    @classmethod
    def load(cls, path: Path = RISK_FILE) -> "RiskLexicon":
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        patterns = {category: re.compile(r"\b(?:" + "|".join(data["patterns"][category]) + r")", re.IGNORECASE)
                    for category in CATEGORIES}
        contexts = tuple(
            _Context(name, spec["where"], frozenset(spec["categories"]),
                     re.compile(spec["pattern"], re.IGNORECASE) if spec.get("pattern") else None,
                     re.compile(spec["unless"], re.IGNORECASE) if spec.get("unless") else None)
            for name, spec in data["context"].items())
        return cls(patterns, contexts)


@lru_cache(maxsize=1)
def lexicon() -> RiskLexicon:
    return RiskLexicon.load()


def _sentence_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    before = [m.end() for m in _SENTENCE_END.finditer(text, 0, start)]
    after = _SENTENCE_END.search(text, end)
    return (before[-1] if before else 0), (after.start() if after else len(text))


def _inside_quotes(sentence_before: str) -> bool:
    """An odd number of quotation marks before the match in its sentence: it is being quoted."""
    straight = sentence_before.count('"')
    return straight % 2 == 1 or sentence_before.count("“") > sentence_before.count("”") or "«" in sentence_before


def _discount(text: str, category: str, start: int, end: int, contexts: tuple[_Context, ...]) -> str | None:
    first, last = _sentence_bounds(text, start, end)
    before, sentence, after = text[first:start], text[first:last], text[end:last]
    for context in contexts:
        if category not in context.categories:
            continue
        if context.where == "quote":
            if _inside_quotes(before):
                return context.name
            continue
        scope = {"before": before, "sentence": sentence, "after": after, "message": text}[context.where]
        found = context.pattern.search(scope) if context.pattern else None
        if found and not (context.unless and context.unless.search(scope)):
            return context.name
    return None


def read_risk(text: str, risk_lexicon: RiskLexicon | None = None) -> list[RiskReading]:
    """Every risk phrase in the message, each with what (if anything) discounts it; active ones first."""
    words = risk_lexicon or lexicon()
    text = (text or "")[:MAX_CHARS]
    readings = []
    for category in CATEGORIES:
        for match in words.patterns[category].finditer(text):
            readings.append(RiskReading(category, match.group(0),
                                        _discount(text, category, match.start(), match.end(), words.contexts)))
    return sorted(readings, key=lambda reading: not reading.active)


def laughing(text: str) -> bool:
    """The message laughs at itself ("lol", "haha", 😂): the same markers that discount risk words."""
    humour = next(context for context in lexicon().contexts if context.name == "humour")
    return bool(humour.pattern.search((text or "")[:MAX_CHARS]))


def active_risk(text: str) -> RiskReading | None:
    """The customer's own risk now (self-harm, threat, danger), or None."""
    readings = read_risk(text)
    return readings[0] if readings and readings[0].active else None


def risk_words(text: str) -> str | None:
    """The words of an active risk, for the crisis-lines decision and the relay to an agent."""
    reading = active_risk(text)
    return reading.words if reading else None
