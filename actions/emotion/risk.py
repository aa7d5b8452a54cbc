"""The one risk reader: harm to self, harm to or from others, danger now — read in context.

Everything that must put safety first asks this module: the care band (``at_risk``), the escalation
decision (crisis lines before any offer) and the relay of a waiting customer's messages to the agent.
Words are in ``risk.yml`` with their source. A match is *active* (the customer's own risk now) unless
its context discounts it: a denial ("I'm not going to hurt myself"), someone else's words, a quotation,
news or fiction, a question about cover or a "what if", laughter, or a hyperbole ("die of embarrassment").
Discounted readings are still returned, so the band can give a denied risk a gentle check-in and the
agent can see why no crisis lines were sent.

Beside the patterns, a reader by meaning (``meaning.py``: a classifier over the sentence features the scorer
already computed) catches wordings the patterns were never written for. Its reading arrives in the score
(``score["risk_meaning"]``) and is used when the patterns find nothing; the same contexts discount it, read
over the whole message (``discount_meaning``), and its "words" are the nearest exemplar it resembles.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from actions.emotion.meaning import LOW_MOOD, SETTINGS_FILE, MeaningReading

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
    # "words" (risk.yml matched the words) or "meaning" (the classifier; ``words`` is its nearest exemplar).
    source: str = "words"

    @property
    def active(self) -> bool:
        return self.discounted_by is None

    def reason(self) -> str:
        label = self.category.replace("_", " ")
        if self.source == "meaning":
            state = "" if self.active else f"discounted ({self.discounted_by}) "
            return f'risk by meaning {state}({label}), like: "{self.words}"'
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
    # Message-level context for readings by meaning (risk_meaning.yml): safe now, denied.
    safe_now: re.Pattern | None = None
    denial: re.Pattern | None = None
    # Harm to a thing only, the doer gone (risk_meaning.yml `property_only`), unless a person is in it.
    property_only: re.Pattern | None = None
    property_only_unless: re.Pattern | None = None
    # Fear of losing a home, a job or money (risk_meaning.yml `losing_something`): hardship, not self-harm.
    losing_something: re.Pattern | None = None
    # Exasperation idioms ("at the end of my rope"): frustration or low mood, not self-harm (`exasperation`).
    exasperation: re.Pattern | None = None
    # Either of the two above beside these words of no way out stays at risk (`no_way_out`).
    no_way_out: re.Pattern | None = None

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
        meaning = yaml.safe_load(SETTINGS_FILE.read_text(encoding="utf-8"))
        unless = meaning.get("property_only_unless")
        no_way_out = meaning.get("no_way_out")
        return cls(patterns, contexts, _any_of(meaning["safe_now"]), _any_of(meaning["denial"]),
                   _any_of(meaning["property_only"]) if meaning.get("property_only") else None,
                   re.compile(unless, re.IGNORECASE) if unless else None,
                   _any_of(meaning["losing_something"]) if meaning.get("losing_something") else None,
                   _any_of(meaning["exasperation"]) if meaning.get("exasperation") else None,
                   re.compile(no_way_out, re.IGNORECASE) if no_way_out else None)


def _any_of(words: list[str]) -> re.Pattern:
    return re.compile(r"\b(?:" + "|".join(words) + r")", re.IGNORECASE)


@lru_cache(maxsize=1)
def lexicon() -> RiskLexicon:
    return RiskLexicon.load()


def _sentence_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    before = [m.end() for m in _SENTENCE_END.finditer(text, 0, start)]
    after = _SENTENCE_END.search(text, end)
    return (before[-1] if before else 0), (after.start() if after else len(text))


# Single quotation marks share their character with the apostrophe ("I'm", "dogs'"): one opens a quotation only
# after a space, a colon, a comma or a bracket and before a letter, and closes one only after a non-space and
# before a space, punctuation or the end. "My husband says 'the house is on fire' every time I cook" quotes him.
_SINGLE_OPEN = re.compile(r"(?:^|(?<=[\s:(,]))'(?=[^\W\d_])")
_SINGLE_CLOSE = re.compile(r"(?<=\S)'(?=[\s.,!?;:)]|$)")


def _inside_single_quotes(sentence_before: str) -> bool:
    """A single quotation mark opened before the match in its sentence and not closed since."""
    openings = [found.end() for found in _SINGLE_OPEN.finditer(sentence_before)]
    return bool(openings) and not _SINGLE_CLOSE.search(sentence_before, openings[-1])


def _inside_quotes(sentence_before: str) -> bool:
    """An odd number of quotation marks before the match in its sentence: it is being quoted."""
    straight = sentence_before.count('"')
    return (straight % 2 == 1 or sentence_before.count("“") > sentence_before.count("”") or "«" in sentence_before
            or _inside_single_quotes(sentence_before))


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


_QUOTATION = re.compile(r'["“«][^"“”«»]{3,}["”»]'
                        r"|(?:^|(?<=[\s:(,]))'(?=[^\W\d_])(?:[^']|(?<=\w)'(?=\w)){3,300}(?<=\S)'(?=[\s.,!?;:)]|$)")
# Contexts that look before or after the words apply to a reading by meaning only in a one-sentence message:
# in "I can't do this anymore. What if the claim is refused?" the "what if" is not about the first sentence.
_SPAN_CONTEXTS = ("before", "after")
# A "what if" or a question about cover must ask something or lead the message: "I'll do something stupid if
# you don't pay" is not hypothetical.
_QUESTION_CONTEXTS = ("hypothetical", "cover_question")
# Negation and a vehicle need the words' span ("not" or "a van" right before them): for negation the
# message-level denials of risk_meaning.yml stand in; "he hit me in the car" is violence, so vehicle is skipped.
# So do the contexts about what the words are said of ("it hit me", "when they find out", "trapped in a contract"):
# read anywhere in a message, "it" or "if he finds out" would discount a real threat.
_SPAN_ONLY = ("negation", "vehicle", "not_a_person", "hyperbole", "figurative")


@lru_cache(maxsize=32)
def _unanchored(pattern: re.Pattern) -> re.Pattern:
    """A context pattern anchored to the words' span ("…$", "^\\s*…") read at any word boundary."""
    source = re.sub(r"\$$", "", pattern.pattern)
    return re.compile(re.sub(r"^\^(?:\\s\*)?", r"\\b", source), re.IGNORECASE)


def discount_meaning(text: str, category: str, risk_lexicon: RiskLexicon | None = None) -> str | None:
    """Why a reading by meaning is not the customer's own risk now, read over the whole message, or None.
    Low mood is discounted as self-harm words are (a joke, a quotation, someone else's words)."""
    words = risk_lexicon or lexicon()
    text = (text or "")[:MAX_CHARS]
    as_category = "self_harm" if category == LOW_MOOD else category
    if as_category in ("threat", "danger_now") and words.safe_now and words.safe_now.search(text):
        return "safe_now"
    if as_category == "self_harm" and words.denial and words.denial.search(text):
        return "negation"
    no_way_out = words.no_way_out is not None and words.no_way_out.search(text) is not None
    if category == "self_harm" and words.losing_something and words.losing_something.search(text) and not no_way_out:
        return "losing_something"
    if category == "self_harm" and words.exasperation and words.exasperation.search(text) and not no_way_out:
        return "exasperation"
    if (as_category == "threat" and words.property_only and words.property_only.search(text)
            and not (words.property_only_unless and words.property_only_unless.search(text))):
        return "property_only"
    one_sentence = len([part for part in _SENTENCE_END.split(text) if part.strip()]) <= 1
    for context in words.contexts:
        if as_category not in context.categories or context.name in _SPAN_ONLY:
            continue
        if context.where == "quote":
            if _QUOTATION.search(text):
                return context.name
            continue
        if context.where in _SPAN_CONTEXTS and not one_sentence:
            continue
        found = _unanchored(context.pattern).search(text) if context.pattern else None
        if found and context.name in _QUESTION_CONTEXTS and "?" not in text and text[:found.start()].strip():
            continue
        if found and not (context.unless and context.unless.search(text)):
            return context.name
    return None


def read_risk(text: str, risk_lexicon: RiskLexicon | None = None,
              meaning: MeaningReading | dict | None = None) -> list[RiskReading]:
    """Every risk phrase in the message, each with what (if anything) discounts it; active ones first.
    When the patterns find nothing, an at-risk reading by meaning (from the score) is read in context."""
    words = risk_lexicon or lexicon()
    text = (text or "")[:MAX_CHARS]
    readings = []
    for category in CATEGORIES:
        for match in words.patterns[category].finditer(text):
            readings.append(RiskReading(category, match.group(0),
                                        _discount(text, category, match.start(), match.end(), words.contexts)))
    if not readings:
        reading = meaning if isinstance(meaning, MeaningReading) else MeaningReading.from_dict(meaning)
        if reading is not None and reading.kind == "at_risk":
            readings.append(RiskReading(reading.category, reading.nearest,
                                        discount_meaning(text, reading.category, words), source="meaning"))
    return sorted(readings, key=lambda reading: not reading.active)


def laughing(text: str) -> bool:
    """The message laughs at itself ("lol", "haha", 😂): the same markers that discount risk words."""
    humour = next(context for context in lexicon().contexts if context.name == "humour")
    return bool(humour.pattern.search((text or "")[:MAX_CHARS]))


def active_risk(text: str, score: dict | None = None) -> RiskReading | None:
    """The customer's own risk now (self-harm, threat, danger), or None; ``score`` (the emotion score of the
    message) brings the reading by meaning."""
    readings = read_risk(text, meaning=(score or {}).get("risk_meaning"))
    return readings[0] if readings and readings[0].active else None


def risk_words(text: str, score: dict | None = None) -> str | None:
    """The words of an active risk, for the crisis-lines decision and the relay to an agent."""
    reading = active_risk(text, score)
    return reading.words if reading else None
