"""Sarcasm: praise that means the opposite ("Fantastic service as always", "thanks for nothing").

The encoder reads the praise words, so a sarcastic complaint scores as joy and the bot would answer it
cheerfully: exactly the indifference a claims line must not show. Markers that are sarcastic on their own
count alone; praise that customers also mean sincerely ("great service as always") counts only beside a
complaint in the same message (waiting, repeated contact, charged words, "nobody called", "another letter").
A false alarm costs little (a complaint answered with validation); a miss answers a complaint with cheer.
"""
from __future__ import annotations

import re


def _rx(pattern: str) -> re.Pattern:
    return re.compile(pattern, re.IGNORECASE)


_PRAISE = (r"(?:great|brilliant|fantastic|wonderful|marvell?ous|lovely|perfect|amazing|excellent|superb|stellar|"
           r"outstanding|impressive|helpful|efficient|fab|splendid)")
_ALWAYS_SARCASTIC = _rx(
    r"\bthanks? (?:you )?for nothing\b|\byeah,? right\b|\b(?:great|brilliant|perfect|wonderful),? just "
    r"(?:great|brilliant|perfect|wonderful)\b|\bsurprise,? surprise\b|\bcolou?r me (?:shocked|surprised)\b"
    r"|\bslow clap\b|\boh joy\b|\bnot that (?:you|anyone) (?:care|cares)\b")
_SARCASTIC_BESIDE_COMPLAINT = _rx(
    rf"\b(?:oh|just|well) {_PRAISE}\b|\bhow (?:very )?(?:helpful|efficient|reassuring|professional)\b"
    rf"|\b{_PRAISE}(?:\s+[\w-]+){{0,2}},?\s+as (?:always|usual|ever)\b"
    rf"|\b(?:i )?lov(?:e|ing) (?:how|the way)\b|\b(?:what a|big) surprise\b"
    r"|(?<![\w'])[\"“‘'](?:under review|being (?:processed|looked (?:at|into))|processing|in progress|priority|"
    r"urgent|shortly|soon|asap|customer service|service|help|support|investigating|dealt with|on its way|"
    r"in hand)[\"”’'](?![\w'])")
# A complaint the cue layer does not already name (it names waiting, repeats, charged words, profanity).
# Bare "never"/"nothing" do not count: "great service as always, never had a problem" is sincere.
_COMPLAINT = _rx(
    r"\b(?:nobody|no one|no-one)\b|\bno (?:response|reply|answer|help|update|news|call ?back)\b"
    r"|\b(?:not|never|haven'?t|hasn'?t|didn'?t|won'?t|isn'?t|wasn'?t|still not)\s+(?:\w+\s+)?(?:called|rang|replied|"
    r"responded|answered|contacted|helped|paid|fixed|sorted|resolved|heard|received|arrived|turned up|got back|"
    r"listening|working)\b"
    r"|\banother (?:letter|e-?mail|call|phone call|form|delay|excuse|week|month|day|automated \w+|reference|"
    r"apology|promise|message|hold music)\b"
    r"|\bstill (?:\w+ )?(?:not|no|nothing|waiting|broken|won'?t|can'?t|isn'?t|hasn'?t|haven'?t|doesn'?t|don'?t)\b"
    r"|\b(?:lost|ignored|cancell?ed|rejected|declined|refused|denied) (?:my|our|the)\b"
    r"|\b(?:was|were|been|got|is|are) (?:lost|ignored|cancell?ed|rejected|declined|refused|denied)\b")


def find_sarcasm(text: str, complaint_found: bool) -> str | None:
    """The sarcastic words in ``text``, or None; ``complaint_found``: other cues already read a complaint."""
    if found := _ALWAYS_SARCASTIC.search(text):
        return found.group(0)
    found = _SARCASTIC_BESIDE_COMPLAINT.search(text)
    if found and (complaint_found or _COMPLAINT.search(text)):
        return found.group(0)
    return None
