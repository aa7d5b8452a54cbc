"""Input hygiene for the scorer: control characters, head+tail truncation, language flag."""
from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass

TRUNCATION_MARK = " … "
UNDETERMINED = "und"

_WHITESPACE = re.compile(r"\s+")
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
# Function words that almost every English sentence contains; langid is noisy on short or chatty text.
_ENGLISH_FUNCTION_WORDS = frozenset(
    "a an the i i'm i've me my mine you your we our us he she it its they them their is are was were be been "
    "am do does did don't didn't doesn't have has had haven't hasn't not no to of in on at for from with "
    "and or but if so this that what why how when where who can can't could would should will won't just "
    "please thanks thank ok okay yes hi hello there here about still again".split()
)


@dataclass(frozen=True)
class CleanText:
    text: str
    truncated: bool


@dataclass(frozen=True)
class Language:
    code: str  # ISO 639-1 code, or "und" when there is nothing to judge
    is_english: bool


def clean(raw: str, max_chars: int) -> CleanText:
    """Control and format characters become spaces, whitespace runs collapse, and text longer than
    ``max_chars`` keeps its first and last halves joined by " … " (complaints often end in the point)."""
    if not isinstance(raw, str):
        raise TypeError(f"text must be str, got {type(raw).__name__}")
    chars = []
    for char in raw:
        category = unicodedata.category(char)
        if category in ("Cc", "Zl", "Zp"):
            chars.append(" ")
        elif category in ("Cf", "Cs", "Co", "Cn"):
            continue  # zero-width marks, lone surrogates, private use: nothing to read
        else:
            chars.append(char)
    text = _WHITESPACE.sub(" ", "".join(chars)).strip()
    if len(text) <= max_chars:
        return CleanText(text, False)
    keep = max(0, max_chars - len(TRUNCATION_MARK))
    head = keep - keep // 2
    tail = keep // 2
    return CleanText(text[:head].rstrip() + TRUNCATION_MARK + text[len(text) - tail :].lstrip(), True)


class LanguageFlagger:
    """Flags non-English text without flagging short English ("ok", "thanks!!").

    Rules, in order: no letters -> undetermined (not flagged); mostly non-Latin letters -> not English;
    fewer than 4 words or 15 letters -> English (too short to judge, and replies like "ok" are common);
    a quarter or more English function words -> English; otherwise py3langid, flagging only a non-English
    guess with confidence >= 0.7.
    """

    MIN_WORDS = 4
    MIN_LETTERS = 15
    MIN_FUNCTION_SHARE = 0.25
    MIN_CONFIDENCE = 0.7

    def __init__(self) -> None:
        self._identifier = None
        self._lock = threading.Lock()

    def load(self):
        if self._identifier is None:
            with self._lock:
                if self._identifier is None:
                    from py3langid.langid import MODEL_FILE, LanguageIdentifier

                    self._identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
        return self._identifier

    def detect(self, text: str) -> Language:
        letters = [c for c in text if c.isalpha()]
        if not letters:
            return Language(UNDETERMINED, True)
        latin = sum(1 for c in letters if _is_latin(c))
        if latin < len(letters) / 2:
            code, _ = self.load().classify(text)
            return Language(code if code != "en" else UNDETERMINED, False)
        words = [w.lower() for w in _WORD.findall(text)]
        if len(words) < self.MIN_WORDS or len(letters) < self.MIN_LETTERS:
            return Language("en", True)
        if sum(w in _ENGLISH_FUNCTION_WORDS for w in words) / len(words) >= self.MIN_FUNCTION_SHARE:
            return Language("en", True)
        code, confidence = self.load().classify(text)
        if code != "en" and confidence >= self.MIN_CONFIDENCE:
            return Language(code, False)
        return Language("en", True)


def _is_latin(char: str) -> bool:
    if ord(char) < 0x250:
        return True
    return unicodedata.name(char, "").startswith("LATIN")
