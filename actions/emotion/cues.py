"""Signals a sentence embedding under-weights, found with plain patterns so an agent can see them.

Each cue carries hand-set weights (documented in MODEL_CARD.md): ``intensity`` and emotion boosts are
combined with the trained head's estimate by noisy-OR, ``valence`` is added. Weights are deliberately
modest: the cues sharpen what the model reads, they do not replace it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from actions.emotion.emoticons import find_emoticons
from actions.emotion.figures import without_figures_of_speech
from actions.emotion.sarcasm import find_sarcasm


@dataclass(frozen=True)
class Cue:
    kind: str
    match: str
    intensity: float
    valence: float = 0.0
    emotions: dict[str, float] = field(default_factory=dict)
    # Emotions the cue shows the model misread: their level is scaled down by that share.
    dampens: dict[str, float] = field(default_factory=dict)
    # The whole message is less charged than the model read: intensity is scaled down by this share.
    softens: float = 0.0

    def label(self) -> str:
        return f'{self.kind}: "{self.match}"'


def _rx(pattern: str) -> re.Pattern:
    return re.compile(pattern, re.IGNORECASE)


_NUMBER = (r"(?:\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|several|a few|few|"
           r"a couple of|couple of|many|so many)")
_DURATION = _rx(rf"\b{_NUMBER}\s+(?:(?:whole|full|long)\s+)?(day|week|month|year)s?\b(?:\s+(?:ago|now|later))?"
                r"|\bsince\s+(?:last\s+)?(?:week|month|year|monday|tuesday|wednesday|thursday|friday|saturday|"
                r"sunday|january|february|march|april|may|june|july|august|september|october|november|december)\b"
                r"|\bfor\s+(?:ages|months|weeks|days)\b|\b(?:weeks|months|ages)\s+(?:now|later|ago)\b")
_WAIT_CONTEXT = _rx(r"\b(?:report\w*|submit\w*|sent|send|call\w*|rang|ring|phon\w*|e-?mail\w*|wrote|written|"
                    r"appl(?:y|ied)|lodg\w*|filed|chas\w*|wait\w*|still|nobody|no one|no-one|haven'?t|hasn'?t|"
                    r"have not|has not|heard nothing|no (?:response|reply|answer|update|news|word|contact)|"
                    r"ignor\w*|promised|under review|pending|outstanding|in progress|being processed)\b")
_STILL_WAITING = _rx(r"\bstill\s+(?:waiting|no\b|not\b|nothing|haven'?t|hasn'?t|have not|has not|"
                     r"do(?:n'?t| not) have)|\bheard nothing\b|\bno one (?:has )?(?:called|replied|got back)"
                     r"|\bnobody (?:has )?(?:called|replied|got back|rang|contacted)")
_REPEAT_STRONG = _rx(r"\b(?:third|fourth|fifth|3rd|4th|5th|\d+th|umpteenth|nth)\s+time\b|\bhow many (?:more )?times\b"
                     r"|\b(?:three|four|five|several|many|\d+)\s+times\b(?!\s+(?:a|per)\b)"
                     r"|\bkeep (?:calling|asking|telling|chasing|ringing|explaining|repeating)\b|\bagain and again\b"
                     r"|\bover and over\b")
_REPEAT = _rx(r"\b(?:second|2nd)\s+time\b|\bal-?ready\s+(?:told|explained|sent|asked|called|provided|gave|given|"
              r"said|answered|sent|uploaded|emailed)\b|\byet again\b|\bonce again\b|\bi (?:have |'ve )?told you\b"
              r"|\brepeat(?:ing)? myself\b|\b(?:asked|called|rang|emailed|written) (?:twice|before)\b")
_PROFANITY = _rx(r"\b(?:f+u+c+k\w*|shit\w*|bullshit|crap\w*|bloody|damn\w*|goddamn\w*|wtf|ffs|piss\w*|bastard\w*|"
                 r"arse|arsehole\w*|asshole\w*|bollocks|wanker\w*|hell)\b")
_INTENSIFIER = _rx(r"\b(?:very|really|extremely|absolutely|totally|completely|utterly|incredibly|ridiculously|"
                   r"seriously|truly|deeply|terribly|awfully|beyond belief|whatsoever|at all|so much|so many)\b")
_NEGATED_GOOD = _rx(r"\b(?:not|never|isn'?t|wasn'?t|aren'?t|haven'?t|hasn'?t|didn'?t|don'?t|doesn'?t|won'?t|"
                    r"no longer|hardly)\s+(?:\w+\s+)?"
                    r"(?:happy|good|good enough|ok|okay|acceptable|fair|right|helpful|satisfied|pleased|"
                    r"received|heard|resolved|fixed|paid|sorted|working|work|call(?:ed)?|repl(?:y|ied)|respond(?:ed)?|"
                    r"answer(?:ed)?|contact(?:ed)?|help(?:ed)?|listen(?:ing)?|arrive[d]?|turn(?:ed)? up|"
                    r"show(?:ed)? up|get back|got back)\b"
                    r"|\b(?:nobody|no one|no-one|nothing|never)\b"
                    r"|\bno (?:response|reply|answer|help|update|one|news|idea)\b")
_NEGATED_BAD = _rx(r"\b(?:no problem|not a problem|not bad|no worries|never mind|nothing else|nothing more)\b")
_CONFUSION = _rx(r"\b(?:(?:do|does|did)\s*n'?o?t understand|don'?t get (?:it|why)|confus\w*|makes? no sense|"
                 r"what does (?:this|that|it) mean|no idea (?:why|what|how)|unclear|not sure (?:why|what|how)|"
                 r"lost as to|puzzled|baffled)\b")
_SHOUT_WORD = re.compile(r"\b[A-Z][A-Z']{2,}\b")
_ACRONYMS = frozenset("USA UK EU ID PDF NCD MOT DVLA CCTV GP NHS ASAP FAQ OK TV DVD SMS URL VAT IBAN BIC CEO "
                      "LOL OMG BBC ATM PIN CLM REF API DIY AM PM".split())
_REPEAT_PUNCT = re.compile(r"[!?]{2,}|!(?:\s*!)+")

# (pattern, kind, intensity, valence, emotion boosts): distressing life events an insurer hears about.
_EVENTS = [
    (_rx(r"\b(?:passed away|has died|had died|died|death of|lost my (?:husband|wife|mum|mom|dad|mother|father|son|"
         r"daughter|partner|child|baby|brother|sister)|bereave\w*|funeral|killed)\b"),
     "loss", 0.45, -0.45, {"sadness": 0.6}),
    (_rx(r"\b(?:(?:was|were|been|got|get|is|has been|have been) (?:stolen|robbed|burgled|mugged|broken into|"
         r"vandali[sz]ed|hacked)|stole|broke in(?:to)?|break-?in|burglary|burgled)\b"),
     "theft", 0.35, -0.35, {"fear": 0.35, "sadness": 0.3}),
    (_rx(r"\b(?:(?:had|been in|was in|involved in) an? (?:\w+ )?(?:accident|crash|collision)|crashed|injur\w+|"
         r"in hospital|hospitali[sz]ed|ambulance|a&e|emergency|stranded|diagnosed)\b"),
     "accident or illness", 0.35, -0.35, {"fear": 0.45}),
    (_rx(r"\b(?:(?:is|was|got|been|are|were|has|have|house|home|kitchen|flat|basement|garage|cellar) flooded|"
         r"flooding|(?:is|are|was|were) under ?water|(?:had|there was|there's) a fire|burn(?:ed|t) down|"
         r"caught fire|on fire|collapsed|storm damage|(?:burst|leaking) pipe|ceiling (?:fell|came down)|"
         r"lost everything|homeless|nowhere to (?:live|stay)|(?:since|after|from|during) the (?:fire|flood|storm|"
         r"explosion))\b"),
     "damage to home", 0.3, -0.3, {"fear": 0.3, "sadness": 0.3}),
]
_CHARGED = [
    (_rx(r"\b(?:furious|livid|fuming|outraged|angry|enraged|disgust\w*|disgrace\w*|appall\w*|shocking|"
         r"pathetic|scam|rip-?off|incompeten\w*|useless|joke|unacceptable|ridiculous|absurd|outrageous|"
         r"worst|terrible|awful|horrendous|sick (?:and tired )?of|fed up|had enough|ombudsman|solicitor|"
         r"lawyer|legal action|complain\w*)\b"),
     "charged words", 0.2, -0.2, {"anger": 0.25, "frustration": 0.35}),
    (_rx(r"\b(?:scared|terrified|frightened|afraid|worried|anxious|panic\w*|desperate|can'?t cope|"
         r"don'?t know what to do|please help|help me|(?:can'?t|cannot|couldn'?t) sleep|"
         r"(?:haven'?t|have not|hasn'?t|not|barely) (?:slept|been sleeping|sleeping))\b"),
     "fear words", 0.25, -0.25, {"fear": 0.45}),
    (_rx(r"\b(?:devastated|heartbroken|distraught|grieving|in tears|crying|lonely|hopeless|"
         r"overwhelmed|struggling)\b"),
     "sadness words", 0.3, -0.3, {"sadness": 0.45}),
]
_EMOJI = [
    (re.compile("[\U0001F621\U0001F92C\U0001F620\U0001F4A2\U0001F595]"), "emoji", 0.3, -0.4, {"anger": 0.5}),
    (re.compile("[\U0001F622\U0001F62D\U0001F61E\U0001F614\U0001F494\U0001F97A\u2639\U0001F641]"),
     "emoji", 0.3, -0.4, {"sadness": 0.5}),
    (re.compile("[\U0001F631\U0001F628\U0001F630\U0001F61F\U0001F627\U0001F626]"), "emoji", 0.3, -0.4, {"fear": 0.5}),
    (re.compile("[\U0001F615\U0001F914\U0001F616\u2753\U0001F937]"), "emoji", 0.1, -0.05, {"confusion": 0.4}),
    (re.compile("[\U0001F60A\U0001F642\U0001F600\U0001F603\U0001F604\U0001F601\u2764\U0001F44D\U0001F64F"
                "\U0001F970\U0001F60D\U0001F389\U0001F618\U0001F917\U0001F44F]"), "emoji", 0.1, 0.4, {"joy": 0.5}),
]


# A grievance the customer softens themself: "a bit frustrating", "slightly irritating", "a little disappointed".
# The model reads the named emotion at full strength (frustration 0.80 for "It's a bit frustrating that the
# report still hasn't come in", above "I am livid… fobbed off"), where people rate the hedged message clearly
# lower (tests/emotion/test_ordering.py). Only annoyance and disappointment are softened: "a bit scared" or
# "a little worried" keep their weight (fear is where a missed reading costs most), and a message that also
# has charged words or swearing is not softened at all.
_HEDGED = _rx(r"\b(?:a (?:little |tiny |wee )?bit|a little|slightly|somewhat|mildly|a tad|a touch|kind of|kinda|"
              r"sort of)\s+(?:(?:more|too)\s+)?(?:frustrat\w*|annoy\w*|irritat\w*|disappoint\w*|inconvenien\w*|"
              r"miffed|peeved|irked|put out|cross|fed up|underwhelm\w*)\b")
HEDGE_SOFTENS = 0.3   # intensity x 0.7: "a little disappointed" 0.59 -> 0.41, below a flood told as "not ideal"
HEDGE_DAMPENS = 0.4   # anger and frustration x 0.6
_NOT_HEDGED_WITH = frozenset({"charged words", "profanity"})

_DENIED_BEFORE = _rx(r"\b(?:not|never|no longer|isn'?t|wasn'?t|aren'?t)\s+(?:(?:at all|so|too|that|really|even|"
                     r"particularly|very|remotely|in the least)\s+){0,2}$")
_COMPLAINT_KINDS = frozenset({"waiting time", "repeated contact", "charged words", "profanity"})


def _first(pattern: re.Pattern, text: str) -> str | None:
    found = pattern.search(text)
    return found.group(0) if found else None


def _first_said(pattern: re.Pattern, text: str) -> str | None:
    """The first match the customer does not deny ("I'm not angry", "never worried"); the model still reads
    the whole sentence, only the cue (shown to the agent as what drove the score) must not claim the word."""
    for found in pattern.finditer(text):
        if not _DENIED_BEFORE.search(text, 0, found.start()):
            return found.group(0)
    return None


def find_cues(text: str) -> list[Cue]:
    cues: list[Cue] = []
    duration = _DURATION.search(text)
    if duration and _WAIT_CONTEXT.search(text):
        unit = (duration.group(1) or duration.group(0)).lower()
        long_wait = any(u in unit for u in ("week", "month", "year", "ages", "since"))
        cues.append(Cue("waiting time", duration.group(0), 0.4 if long_wait else 0.2, -0.3 if long_wait else -0.15,
                        {"frustration": 0.55 if long_wait else 0.3}))
    elif match := _first(_STILL_WAITING, text):
        cues.append(Cue("waiting time", match, 0.3, -0.25, {"frustration": 0.45}))
    if match := _first(_REPEAT_STRONG, text):
        cues.append(Cue("repeated contact", match, 0.4, -0.3, {"frustration": 0.55}))
    elif match := _first(_REPEAT, text):
        cues.append(Cue("repeated contact", match, 0.25, -0.2, {"frustration": 0.4}))
    events_text = without_figures_of_speech(text)
    for pattern, kind, weight, valence, emotions in _EVENTS:
        if match := _first(pattern, events_text):
            cues.append(Cue(kind, match, weight, valence, emotions))
    for pattern, kind, weight, valence, emotions in _CHARGED:
        if match := _first_said(pattern, text):
            cues.append(Cue(kind, match, weight, valence, emotions))
    if match := _first(_PROFANITY, text):
        cues.append(Cue("profanity", match, 0.3, -0.15, {"anger": 0.35}))
    if not _NEGATED_BAD.search(text) and (match := _first(_NEGATED_GOOD, text)):
        cues.append(Cue("negation", match, 0.1, -0.15, {"frustration": 0.2}))
    if match := _first(_CONFUSION, text):
        cues.append(Cue("confusion", match, 0.1, -0.05, {"confusion": 0.5}))
    if (match := _first(_HEDGED, text)) and not any(c.kind in _NOT_HEDGED_WITH for c in cues):
        cues.append(Cue("hedged", match, 0.0, 0.0, dampens={"anger": HEDGE_DAMPENS, "frustration": HEDGE_DAMPENS},
                        softens=HEDGE_SOFTENS))
    if match := find_sarcasm(text, complaint_found=any(c.kind in _COMPLAINT_KINDS for c in cues)):
        cues.append(Cue("sarcasm", match, 0.3, -0.8, {"frustration": 0.5, "anger": 0.15}, dampens={"joy": 0.9}))
    cues.extend(_emphasis(text))
    cues.extend(_emoji_cues(text))
    return cues


def _emoji_cues(text: str) -> list[Cue]:
    """One cue per feeling an emoji group shows; an emoticon counts as its emoji but is shown as typed."""
    typed = [(found, found) for pattern, *_ in _EMOJI for found in pattern.findall(text)] + find_emoticons(text)
    cues = []
    for pattern, kind, weight, valence, emotions in _EMOJI:
        if match := next((shown for shown, as_emoji in typed if pattern.fullmatch(as_emoji)), None):
            cues.append(Cue(kind, match, weight, valence, emotions))
    return cues


def _emphasis(text: str) -> list[Cue]:
    """Capitals, repeated punctuation and intensifiers amplify; they carry no valence of their own."""
    cues = []
    shouted = [w for w in _SHOUT_WORD.findall(text) if w.strip("'") not in _ACRONYMS]
    letters = [c for c in text if c.isalpha() and c.isascii()]
    capital_share = sum(c.isupper() for c in letters) / len(letters) if len(letters) >= 12 else 0.0
    if capital_share >= 0.6:
        cues.append(Cue("capitals", text[:40], 0.3, 0.0, {"anger": 0.2}))
    elif shouted:
        cues.append(Cue("capitals", " ".join(shouted[:4]), 0.25 if len(shouted) > 1 else 0.15))
    if punct := _REPEAT_PUNCT.findall(text):
        longest = max(punct, key=len)
        cues.append(Cue("repeated punctuation", longest, 0.2 if len(longest) >= 3 else 0.12))
    intensifiers = _INTENSIFIER.findall(text)
    if intensifiers:
        cues.append(Cue("intensifiers", ", ".join(dict.fromkeys(i.lower() for i in intensifiers[:3])),
                        min(0.12, 0.05 * len(intensifiers))))
    return cues
