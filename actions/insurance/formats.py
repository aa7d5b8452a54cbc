"""Reference formats and text cleaning shared by the actions and the service layer (no database).

Policy numbers look like ``HOM-204815`` (the prefix names the product), claim references like
``CLM-20814``. Customers type them in any case and sometimes with a space instead of the hyphen;
they are stored and shown upper-case.
"""
from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass
from typing import Optional

import nh3

from actions.insurance.models import Product

POLICY_PREFIXES = {"HOM": Product.HOME, "MOT": Product.MOTOR, "TRV": Product.TRAVEL, "LIF": Product.LIFE}
POLICY_NUMBER_PATTERN = re.compile(r"^(HOM|MOT|TRV|LIF)-\d{6}$")
CLAIM_REFERENCE_PATTERN = re.compile(r"^CLM-\d{5}$")

# Anything that looks like an attempt at a policy number: three letters, an optional separator, digits.
# One run of white space with at most one dash in it: "\s*[-\s]?\s*" read the same, but split a long run
# of spaces every possible way (8,000 characters took 0.8 s; tests/actions/test_text_reader_bounds.py).
_SEPARATOR = r"\s*(?:[-‐–—]\s*)?"
_POLICY_LIKE = re.compile(rf"\b([A-Za-z]{{3}}){_SEPARATOR}(\d{{1,12}})\b")
_CLAIM_LIKE = re.compile(rf"\b(CLM){_SEPARATOR}(\d{{1,12}})\b", re.IGNORECASE)

MAX_NAME_LENGTH = 40
MAX_DESCRIPTION_LENGTH = 2000


@dataclass(frozen=True)
class ReferenceCheck:
    """Result of reading a reference out of free text: a normalised value or the reason it failed."""

    value: Optional[str] = None
    problem: Optional[str] = None  # "missing", "prefix", "digits"
    seen: Optional[str] = None  # what the customer typed, for a specific re-ask

    @property
    def ok(self) -> bool:
        return self.value is not None


def read_policy_number(text: Optional[str]) -> ReferenceCheck:
    """Find a policy number in ``text`` ("my policy is hom 204815" -> ``HOM-204815``)."""
    candidates = list(_POLICY_LIKE.finditer(text or ""))
    for match in candidates:
        prefix, digits = match.group(1).upper(), match.group(2)
        if prefix in POLICY_PREFIXES and len(digits) == 6:
            return ReferenceCheck(value=f"{prefix}-{digits}")
    for match in candidates:
        prefix, digits = match.group(1).upper(), match.group(2)
        if prefix in POLICY_PREFIXES:
            return ReferenceCheck(problem="digits", seen=f"{prefix}-{digits}")
    if candidates and candidates[0].group(1).upper() != "CLM":
        match = candidates[0]
        return ReferenceCheck(problem="prefix", seen=f"{match.group(1).upper()}-{match.group(2)}")
    return ReferenceCheck(problem="missing")


def read_claim_reference(text: Optional[str]) -> ReferenceCheck:
    """Find a claim reference in ``text`` ("clm 20814" -> ``CLM-20814``)."""
    match = _CLAIM_LIKE.search(text or "")
    if match is None:
        return ReferenceCheck(problem="missing")
    digits = match.group(2)
    if len(digits) != 5:
        return ReferenceCheck(problem="digits", seen=f"CLM-{digits}")
    return ReferenceCheck(value=f"CLM-{digits}")


def product_for_policy_number(policy_number: str) -> Product:
    return POLICY_PREFIXES[policy_number[:3].upper()]


def example_policy_number(product: Product) -> str:
    """"MOT-123456": the format shown when asking for a policy number, with the product's own prefix."""
    return next(f"{prefix}-123456" for prefix, known in POLICY_PREFIXES.items() if known is product)


def plain_text(text: Optional[str], *, max_length: Optional[int] = None) -> str:
    """Customer text as plain text: markup removed (never interpreted), control characters dropped,
    whitespace collapsed. Returns ``""`` when nothing readable is left."""
    if not text:
        return ""
    without_markup = html.unescape(nh3.clean(text, tags=set()))
    printable = "".join(
        " " if unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") else char for char in without_markup
    )
    collapsed = " ".join(printable.split())
    if max_length is not None:
        collapsed = collapsed[:max_length].rstrip()
    return collapsed


def has_words(text: str) -> bool:
    """True when ``text`` contains letters in any script (emoji or punctuation alone do not count)."""
    return any(char.isalpha() for char in text)


_NAME_LEAD_INS = re.compile(
    r"^(?:(?:hi|hello|hey)[,!. ]+)?(?:my\s+(?:first\s+)?name\s+is|my\s+name'?s|name'?s|i\s+am|i'm|im|it'?s|this\s+is|"
    r"call\s+me|you\s+can\s+call\s+me|they\s+call\s+me)(?:\s+|$)",
    re.IGNORECASE,
)
_NAME_TOKEN = re.compile(r"[^\W\d_](?:[^\W\d_]|['’-](?=[^\W\d_]))*")
_NOT_NAMES = {
    "yes", "no", "ok", "okay", "hi", "hello", "hey", "thanks", "thank", "sure", "fine", "not", "a", "the",
    "nope", "yeah", "yep", "just", "here", "sorry", "none", "idk", "skip", "why", "what", "bot", "human",
    # A sentence's first word is no name: "our kitchen is flooded" must not make the customer "Our".
    "i", "my", "our", "we", "me", "you", "your", "it", "its", "this", "that", "he", "she", "they", "his",
    "her", "their", "them", "us", "there", "can", "do", "don't", "dont", "please", "how", "when", "where",
    # An answer about the claim given to the name question ("motor", "yesterday") made the bot call the
    # customer "Motor" for the rest of the conversation (tried in ./heard chat).
    "home", "motor", "car", "travel", "life", "policy", "claim", "insurance", "theft", "stolen", "flood",
    "fire", "accident", "yesterday", "today", "tonight", "tomorrow", "help", "anonymous", "unknown",
    # Words that open an account of what happened ("nobody hurt thankfully" made the customer "Nobody").
    "nobody", "noone", "someone", "somebody", "everyone", "everybody", "anyone", "nothing", "something", "all",
    "both", "some", "about", "around", "was", "is", "were", "had", "has", "got", "nah", "um", "umm", "er", "erm",
    "well", "so", "oh", "ah", "luckily", "thankfully", "unfortunately", "actually", "basically", "honestly",
    "last", "morning", "night", "afternoon", "evening", "week", "weekend", "monday", "tuesday", "wednesday",
    "thursday", "friday", "saturday", "sunday", "then", "after", "before", "while", "at", "on", "in",
}
# "What's your first name?" answered "yes please" or "yes, it's Sam": agreeing to give it is not declining it
# (found by talking to the bot, session 7: "yes please" got "No problem, we can carry on without it").
_AGREEMENT = re.compile(
    r"^(?:(?:yes|yeah|yea|yep|yup|sure|ok|okay|of course|certainly|no problem|go on|go ahead|fine)"
    r"(?:[\s,]+(?:please|thanks|thank you|of course|sure|no problem|go ahead))*)(?:[\s,!.:;-]+|$)",
    re.IGNORECASE,
)
_COURTESIES = re.compile(r"(?:[\s,.!]+(?:thanks|thank you|thankyou|ta|cheers|please|speaking|here))+[\s,.!]*$",
                         re.IGNORECASE)
# "Mary Jane Smith" is a name; a longer answer to "what's your first name?" is a sentence ("my grandad has
# sadly left us and..."), and its first word must not become the name the bot calls the customer by.
MAX_NAME_WORDS = 3


def is_bare_agreement(text: Optional[str]) -> bool:
    """The whole answer only agrees ("yes please", "sure!"): the customer is about to give what was asked."""
    cleaned = plain_text(text, max_length=200).strip()
    return bool(cleaned) and _AGREEMENT.fullmatch(cleaned) is not None


def clean_first_name(text: Optional[str]) -> Optional[str]:
    """The customer's first name from a message or channel metadata, or ``None``.

    Markup is stripped, only letters (any script), hyphens and apostrophes are kept, the length is
    capped and the name is capitalised ("<b>mary-jane</b>" -> "Mary-Jane").
    """
    cleaned = _AGREEMENT.sub("", plain_text(text, max_length=200).strip())
    cleaned = _COURTESIES.sub("", _NAME_LEAD_INS.sub("", cleaned).strip())
    if len(cleaned.split()) > MAX_NAME_WORDS:
        return None
    match = _NAME_TOKEN.search(cleaned)
    if match is None:
        return None
    name = match.group(0)[:MAX_NAME_LENGTH].strip("-'’")
    # \w takes digits of other kinds ("²", "Ⅻ") for letters: a name is letters, hyphens and apostrophes only.
    if not name or name.lower() in _NOT_NAMES or not all(char.isalpha() or char in "'’-" for char in name):
        return None
    return name[0].upper() + name[1:]
