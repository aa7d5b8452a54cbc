"""The escalation decision: which moment goes to a person, why, and how urgently.

Triggers, strongest first (the first that fires is recorded on the ticket with the customer's
words that caused it):

- ``vulnerability`` (self-harm, threat, danger now) an active risk read by ``actions.emotion.risk`` in
                         context (not a joke, a quotation, the news, a "what if" or a denial): before
                         everything else, even a request for a person; the reply gives 999 and
                         Samaritans first;
- ``explicit_request``   the customer asks for a person;
- ``vulnerability``      bereavement, serious injury or illness, financial hardship, fraud or threat;
- ``unsupported_language`` the message is not in English;
- ``complex_case``       a declined or disputed claim, a large loss, or a customer who has had to contact
                         us again and again about the same thing ("the fourth time I've called");
- ``high_intensity``     one message in the care band "distressed" (``actions.emotion.bands``: validation and
                         a person offered), or an "upset" one at or above ``Thresholds.intensity``; a
                         "mild" message (a joke, a light remark) never, whatever its intensity, and
                         possible low mood gets the gentle check-in instead (``check_in``); a distressed
                         request for a claim in so many words starts the claim instead, whose distressed
                         acknowledgement offers the person (``actions.escalation.asked``);
- ``rising_distress``    intensity climbing over the last turns (trajectory slope);
- ``sustained_distress`` a smoothed level that stays high for several turns;
- ``loop``               the same request twice in a row, or two fallbacks in a row.

After the customer declines an offer, every emotional threshold drops by ``decline_step`` so that
the next offer comes sooner, but not on the very next turn (``cooldown_turns``) unless the
customer asks or discloses a vulnerability.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Sequence

from actions.emotion.trajectory import conversation_trajectory
from actions.emotion.bands import band_for
from actions.emotion.risk import active_risk
from actions.escalation.asked import asks_for_claim
from actions.escalation.complex_case import amount_counts, complex_case_words
from actions.emotion.figures import without_figures_of_speech
from actions.escalation.lexicon import VULNERABILITY, first_match, largest_amount

PRIORITIES = ("low", "normal", "high", "urgent")

VULNERABILITY_INTENTS = {
    "disclose_bereavement": "bereavement",
    "disclose_serious_injury": "serious_injury_or_illness",
    "disclose_hardship": "financial_hardship",
    "report_fraud": "fraud_or_threat",
}
REQUEST_INTENTS = {"request_human"}
FALLBACK_INTENTS = {"nlu_fallback", "out_of_scope"}
# Repeating these is normal conversation, not a loop.
NOT_A_LOOP = {"affirm", "deny", "thank", "greet", "goodbye", "inform", "inform_name",
              "handoff_accept", "handoff_decline", "tnps_score"}
_REPEAT_WORDS = re.compile(r"\b(already (?:told|said|asked|explained)|i (?:just )?said|again|for the (?:second|third|\w+th) time|"
                           r"how many times|keep asking|same question)\b", re.IGNORECASE)
# Trigger categories that carry risk to the person, not only to the claim.
SELF_HARM = "self_harm"
# The risk reader's categories (actions/emotion/risk.yml): each is answered with the safety lines first.
SAFETY_CATEGORIES = {SELF_HARM, "threat", "danger_now"}
URGENT_CATEGORIES = SAFETY_CATEGORIES | {"bereavement", "fraud_or_threat", "serious_injury_or_illness"}


@dataclass(frozen=True)
class Thresholds:
    intensity: float = 0.80
    immediate_intensity: float = 0.90
    sustained_level: float = 0.55
    sustained_turns: int = 3
    rising_slope: float = 0.12
    large_loss_amount: float = 10_000.0
    decline_step: float = 0.10
    cooldown_turns: int = 2

    def lowered(self, declines: int) -> "Thresholds":
        step = self.decline_step * max(0, declines)
        return Thresholds(
            intensity=max(0.5, self.intensity - step),
            immediate_intensity=self.immediate_intensity,
            sustained_level=max(0.35, self.sustained_level - step),
            sustained_turns=self.sustained_turns,
            rising_slope=max(0.05, self.rising_slope - step / 2),
            large_loss_amount=self.large_loss_amount,
            decline_step=self.decline_step,
            cooldown_turns=self.cooldown_turns,
        )


@dataclass(frozen=True)
class Turn:
    """One customer message as the decision sees it."""

    text: str
    intent: str | None = None
    score: dict[str, Any] | None = None

    @property
    def intensity(self) -> float:
        return float((self.score or {}).get("intensity") or 0.0)

    @property
    def band(self) -> tuple[str, bool]:
        """(care band, check-in) from the score; computed here only for a score made without one."""
        if self.score and "band" in self.score:
            return str(self.score["band"]), bool(self.score.get("check_in"))
        found = band_for(self.score or {}, self.text or "")
        return found.band, found.check_in


@dataclass(frozen=True)
class Decision:
    trigger: str
    words: str
    priority: str
    immediate: bool
    category: str = ""
    signals: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"trigger": self.trigger, "words": self.words, "priority": self.priority,
                "immediate": self.immediate, "category": self.category, "signals": self.signals}


def _priority(base: str, score: dict[str, Any] | None) -> str:
    """Raise the trigger's base priority for intensity and for waiting the customer reports."""
    rank = PRIORITIES.index(base)
    intensity = float((score or {}).get("intensity") or 0.0)
    if intensity >= 0.9:
        rank += 1
    elif intensity >= 0.7:
        rank = max(rank, PRIORITIES.index("high"))
    cues = " ".join(str(cue) for cue in (score or {}).get("cues") or []).lower()
    if "wait" in cues or "repeat" in cues:
        rank += 1
    return PRIORITIES[min(rank, len(PRIORITIES) - 1)]


# "(?<!\s)": a "but" clause is looked for only where a run of white space starts; tried at every space
# of a long run, the pattern was quadratic (tests/actions/test_text_reader_bounds.py).
_CLAUSE_BREAK = re.compile(r"(?<=[.!?;])\s+|,?(?<!\s)\s+but\s+", re.IGNORECASE)
_QUOTED = re.compile(r'"(.+?)"')


def charged_words(text: str, score: dict[str, Any] | None) -> str:
    """The sentence or clause that carries the feeling ("I haven't slept since the fire…"), not a polite
    preamble ("Sorry to bother you, I know you're busy, but"), for the reply to mirror and the agent to see
    first: the one holding most of the cues' words, or the whole message when no cue points anywhere."""
    clauses = [clause.strip() for clause in _CLAUSE_BREAK.split(text or "") if clause and clause.strip()]
    found = [match.lower() for cue in (score or {}).get("cues") or [] for match in _QUOTED.findall(str(cue))]
    if len(clauses) < 2 or not found:
        return text
    hits = [sum(match in clause.lower() for match in found) for clause in clauses]
    best = max(range(len(clauses)), key=hits.__getitem__)
    return clauses[best] if hits[best] else text


def decide_message(turn: Turn, thresholds: Thresholds = Thresholds(),
                   earlier: Sequence[Turn] = ()) -> Decision | None:
    """The decision for one message; ``earlier`` turns only say what a complex case's words are about."""
    text, score = turn.text or "", turn.score
    risk = active_risk(text, score)
    if risk:
        # Before a request for a person or any intent's own category: safety lines come first.
        return Decision("vulnerability", risk.words, "urgent", immediate=True, category=risk.category)
    if turn.intent in REQUEST_INTENTS:
        return Decision("explicit_request", text, _priority("normal", score), immediate=True)
    category = VULNERABILITY_INTENTS.get(turn.intent or "")
    match = first_match(VULNERABILITY, without_figures_of_speech(text))
    if category or match:
        category = category or match[0]
        words = match[1] if match else text
        base = "urgent" if category in URGENT_CATEGORIES else "high"
        return Decision("vulnerability", words, _priority(base, score), immediate=True, category=category)
    if score and score.get("is_english") is False:
        return Decision("unsupported_language", text, _priority("normal", score), immediate=True,
                        category=str(score.get("language", "")))
    # By meaning: "my card was declined at the shop" is not a declined claim (actions/escalation/complex_case.py).
    earlier_texts, earlier_intents = [t.text for t in earlier], [t.intent for t in earlier]
    match = complex_case_words(text, turn.intent, earlier_texts, earlier_intents)
    amount = largest_amount(text) if amount_counts(text, turn.intent, earlier_texts, earlier_intents) else 0.0
    if match or amount >= thresholds.large_loss_amount:
        category, words = match if match else ("large_loss", text)
        return Decision("complex_case", words, _priority("normal", score), immediate=False,
                        category=category, signals={"amount": amount} if amount else {})
    band, check_in = turn.band
    if band == "distressed" and not check_in and asks_for_claim(text, turn.intent):
        # The claim they asked for starts; its distressed acknowledgement offers a person beside it (asked.yml).
        return None
    if (band == "distressed" and not check_in) or (band == "upset" and turn.intensity >= thresholds.intensity):
        cues = [str(cue) for cue in (score or {}).get("cues") or []]
        return Decision("high_intensity", charged_words(text, score), _priority("normal", score),
                        immediate=turn.intensity >= thresholds.immediate_intensity,
                        signals={"intensity": turn.intensity, "cues": cues, "band": band})
    return None


def _words(text: str) -> set[str]:
    return {word for word in re.findall(r"[a-z0-9']+", text.lower()) if len(word) > 2}


def _repeats_itself(previous: Turn, latest: Turn) -> bool:
    """The customer says the same thing again, or says they already said it."""
    if _REPEAT_WORDS.search(latest.text or ""):
        return True
    if any("repeat" in str(cue).lower() for cue in (latest.score or {}).get("cues") or []):
        return True
    before, now = _words(previous.text), _words(latest.text)
    return bool(before and now) and len(before & now) / len(before | now) >= 0.5


def _is_loop(turns: Sequence[Turn]) -> bool:
    """Two fallbacks in a row, or the same request twice in a row in (nearly) the same words —
    two different questions about cover are a conversation, not a loop."""
    if len(turns) < 2:
        return False
    previous, latest = turns[-2], turns[-1]
    if previous.intent in FALLBACK_INTENTS and latest.intent in FALLBACK_INTENTS:
        return True
    return (bool(latest.intent) and latest.intent == previous.intent and latest.intent not in NOT_A_LOOP
            and _repeats_itself(previous, latest))


def decide_conversation(
    turns: Sequence[Turn],
    thresholds: Thresholds = Thresholds(),
    declines: int = 0,
    turns_since_decline: int | None = None,
) -> Decision | None:
    """The decision for the latest turn, seen with the whole conversation so far."""
    if not turns:
        return None
    limits = thresholds.lowered(declines)
    latest = turns[-1]
    decision = decide_message(latest, limits, earlier=turns[:-1])
    cooling_down = turns_since_decline is not None and turns_since_decline < limits.cooldown_turns
    if decision and decision.trigger in ("explicit_request", "vulnerability"):
        return decision
    if cooling_down:
        return None
    if decision:
        return decision
    scores = [turn.score for turn in turns if turn.score]
    # Graded care: a mild message gets a light acknowledgement, never a person, whatever the trend before it
    # (routine conversations read slightly negative and drifted into "rising distress", bench/escalation_rate.py).
    if len(scores) >= 2 and latest.band[0] != "mild":
        trajectory = conversation_trajectory(scores)
        distress = trajectory["distress"]
        signals = {key: trajectory[key] for key in ("level", "slope", "peak", "negative_turns")}
        signals["cues"] = [str(cue) for cue in (latest.score or {}).get("cues") or []]
        # Rising means climbing over at least three messages, not one charged message after a calm one.
        climbing = len(distress) >= 3 and distress[-3] < distress[-2] < distress[-1]
        if climbing and trajectory["slope"] >= limits.rising_slope and distress[-1] >= limits.sustained_level:
            return Decision("rising_distress", charged_words(latest.text, latest.score),
                            _priority("normal", latest.score),
                            immediate=False, signals=signals)
        recent = distress[-limits.sustained_turns:]
        if len(recent) >= limits.sustained_turns and min(recent) >= limits.sustained_level:
            return Decision("sustained_distress", charged_words(latest.text, latest.score),
                            _priority("normal", latest.score),
                            immediate=False, signals=signals)
    if _is_loop(turns):
        return Decision("loop", latest.text, _priority("normal", latest.score), immediate=True)
    return None
