"""Words that signal vulnerability or a complex case, which the emotion score alone can miss
("my dad passed away" can be written very calmly). Risk to life (self-harm, threats, danger now) is
read by the one risk reader, ``actions.emotion.risk``, in context."""
from __future__ import annotations

import re

_FLAGS = re.IGNORECASE

VULNERABILITY = {
    "bereavement": re.compile(
        r"\b(passed away|passed on|has died|had died|died|death of|funeral|bereave\w*|no longer with us|"
        # "left us" alone ends its clause: "the engineer has left us waiting" is a complaint, not a death.
        r"(?:has|have|had) sadly left us|(?:has|have|had) left us(?=\s*(?:[.!,;]|$))|slipped away|"
        r"laid (?:\w+ ){0,2}to rest|"
        r"lost (?:my|our) (?:mum|mom|dad|father|mother|husband|wife|partner|son|daughter|brother|sister|child|"
        r"baby|grandad|granddad|grandpa|grandma|granny|nan|nana|grandfather|grandmother|uncle|aunt|auntie|"
        r"fianc[eé]e?|twin|best friend|boy|girl))\b",
        _FLAGS),
    "serious_injury_or_illness": re.compile(
        r"\b(in hospital|hospitali[sz]ed|intensive care|icu|a&e|ambulance|seriously (?:hurt|injured|ill)|"
        r"broke(?:n)? (?:my|his|her) (?:neck|back|spine)|cancer|stroke|heart attack|terminal(?:ly)? ill|"
        r"life[- ]threatening|paraly[sz]ed|surgery)\b",
        _FLAGS),
    "financial_hardship": re.compile(
        r"\b(can(?:no|')t afford|cannot afford|lost my job|made redundant|redundancy|bankrupt\w*|"
        r"in debt|debt collectors?|behind on (?:my )?(?:payments|rent|mortgage)|food ?bank|"
        r"no money (?:left|at all)|struggling (?:financially|to pay|with money))\b",
        _FLAGS),
    "fraud_or_threat": re.compile(
        r"\b(fraud\w*|scam\w*|identity theft|stole my identity|someone (?:else )?(?:used|opened) .{0,20}in my name|"
        r"threaten\w*|blackmail\w*|harass\w*|domestic (?:abuse|violence)|unsafe at home)\b",
        _FLAGS),
}

# A refusal or a dispute is a complex case only when it is about a claim or our decision on it: "my card
# was declined at the shop", "my transfer was rejected" and "how do I dispute a payment" are routine requests
# (these bare words escalated 378 of BANKING77's 10,003 banking questions, bench/public_escalation.py).
# The words must share a sentence, at most CLAIM_WORD_GAP characters apart (bounded: no runaway matching).
CLAIM_WORD_GAP = 60
_REFUSED = r"(?:declined|rejected|refused|turned down|denied|repudiated)"
_DISPUTED = r"(?:disput\w*|appeal\w*|challeng\w*)"
_CLAIM = r"(?:claims?|payouts?|pay-outs?|settlements?|liability)"
_DECISION = r"(?:claims?|decisions?|outcomes?|settlements?|offers?|valuations?|payouts?|pay-outs?)"
_GAP = r"\b[^.!?;\n]{0,%d}?\b" % CLAIM_WORD_GAP

# A refusal or dispute said without a claim word ("it was rejected", "so it's been turned down?"): a complex
# case only when the conversation is about a claim (actions/escalation/complex_case.py decides).
BARE_REFUSAL = re.compile(rf"\b(?:{_REFUSED}|{_DISPUTED})\b", _FLAGS)

COMPLEX_CASE = {
    "declined_or_disputed_claim": re.compile(
        rf"\b({_CLAIM}{_GAP}{_REFUSED}|{_REFUSED}{_GAP}{_CLAIM}|(?:declined|refused|denied) to (?:cover|pay out|pay up|pay for)\b|"
        rf"{_DISPUTED}{_GAP}{_DECISION}|{_DECISION}{_GAP}{_DISPUTED}|"
        r"ombudsman|unfair(?:ly)? (?:settled|assessed)|lowball\w*|solicitor|legal action|take you to court)\b",
        _FLAGS),
    "large_loss": re.compile(
        r"\b(total loss|written off|write[- ]off|burn(?:ed|t) down|destroyed|uninhabitable|"
        r"whole (?:house|home|roof|ground floor)|structural damage)\b",
        _FLAGS),
    # Contacting us again and again about one thing means the usual path has already failed this customer.
    "repeated_contact": re.compile(
        r"\b((?:third|fourth|fifth|sixth|3rd|4th|5th|6th|\d+th|umpteenth|nth) time (?:i(?:'ve| have)? |we(?:'ve| have)? )?"
        r"(?:called|rung|rang|phoned|e-?mailed|written|wrote|asked|contacted|chased|been in touch|tried|"
        r"explained|reported)|(?:called|rung|rang|phoned|e-?mailed|written|contacted|chased) (?:you |about this )?"
        r"(?:three|four|five|six|several|many|\d+|so many) times|how many (?:more )?times (?:do|have|must|will) i|"
        r"keep (?:having to )?(?:call|ring|chas|phon|e-?mail|explain|repeat)\w*)\b",
        _FLAGS),
}

_AMOUNT = re.compile(r"(?:£|\$|€|gbp\s?|eur\s?|usd\s?)\s?(\d[\d,]*(?:\.\d+)?)\s?(k|grand|thousand)?", _FLAGS)


def largest_amount(text: str) -> float:
    """The largest money amount mentioned ("£12,500", "€8k"), or 0."""
    largest = 0.0
    for number, multiplier in _AMOUNT.findall(text):
        try:
            value = float(number.replace(",", ""))
        except ValueError:
            continue
        if multiplier:
            value *= 1000
        largest = max(largest, value)
    return largest


def first_match(patterns: dict[str, re.Pattern], text: str) -> tuple[str, str] | None:
    """(category, matched words) of the first pattern that matches, or None."""
    for category, pattern in patterns.items():
        match = pattern.search(text)
        if match:
            return category, match.group(0)
    return None
