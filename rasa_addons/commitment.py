"""Evidence before commitment: a flow that records data or commits the insurer (a claim, a cancellation)
starts only when the message backs it; otherwise the guess is read again by its words.

- a chase of an existing claim ("I sent all my documents for my claim ten days ago and heard nothing")
  is ``claim_status``, not a new claim;
- a question or a what-if about claiming ("is it worth claiming for a small scratch?", "what happens if my
  car is stolen?", "I'd sooner lose the car than the house") is ``claim_question``: nothing has happened yet;
- a question about moving to another insurer is ``switching_question``, not a cancellation to process;
- our repairer, assessor or approval holding things up ("your repairer says they're waiting on you") is
  ``claim_status``, even when read as another company's problem or a remark;
- a complaint that names another company's service and nothing of ours is ``other_company`` (and so is an
  ``other_company`` guess whose runner-up is such a complaint: the two readings agree, no near tie), and an
  ``other_company`` guess beside an incident we may cover, or saying the company lost or damaged something we
  may insure ("the airline lost my suitcase"), is asked about (``clarify_policy``);
- a middling guess with no words that back it is asked about in one short question: ``clarify_claim``
  ("a new claim, or one you've already made?") or ``clarify_policy`` ("is this about a policy with us?");
- a claim guess below a sure reading on a question that names no incident or claim ("can I make my neighbour
  cut the hedge down, or is there someone I can report it to?") is withdrawn: ``out_of_scope``, which the
  knowledge retriever and the understanding check then read as any off-topic guess (an answer, one short
  question, or the honest off-topic reply);
- a chase of an existing claim is ``claim_status`` from a general, off-topic, small-talk or other-company guess
  too ("we claimed in January … we haven't seen any money");
- an off-topic guess on a statement that asks for a claim in so many words ("wnat to make a clam") is read as
  a claim guess would be;
- a call back from us that never came, told with no claim named ("you said someone would call on Tuesday")
  and read as a remark or a question, is a complaint (sorry, owned by name);
- a payment guess that tells of a problem with money we took ("charged twice", "wrong amount taken") is a
  complaint (``make_complaint``: sorry, and customer relations offered), not a how-to.

The four readings are intents of the domain with no training examples: only this guard sets them, and
rules answer them. Words and thresholds live in ``commitment.yml`` with their reasons. Pure Python (no
Rasa imports), so it is tested in either runtime.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Tuple

import yaml

from actions.knowledge.matching import looks_like_question
from rasa_addons.evidence import EVIDENCE

HERE = Path(__file__).resolve().parent
RULES_PATH = HERE / "commitment.yml"
INCIDENT_LOOKUP_PATH = HERE.parent / "data" / "nlu" / "lookups" / "incident_type.yml"
# A request for a claim in so many words ("I want to make a claim"), shared with the escalation decision.
CLAIM_ASKED_PATH = HERE.parent / "actions" / "escalation" / "asked.yml"

CLAIM_STATUS = "claim_status"
CLAIM_QUESTION = "claim_question"
SWITCHING_QUESTION = "switching_question"
CLARIFY_CLAIM = "clarify_claim"
CLARIFY_POLICY = "clarify_policy"
FILE_CLAIM = "file_claim"
OTHER_COMPANY = "other_company"
COMPLAINT = "make_complaint"
# Not the guard's own reading: the classifier's "none of our intents", left to the readers after the guard.
WITHDRAWN = "out_of_scope"
GUARD_INTENTS = (CLAIM_QUESTION, SWITCHING_QUESTION, CLARIFY_CLAIM, CLARIFY_POLICY)
_NEW_CLAIM = re.compile(r"\b(?:new|another|second|make an?|start an?|open an?|put in an?|file an?|report an?) claim\b")
_OPENS_WITH_IF = re.compile(r"^\W*(?:and |but |so )?(?:even )?if\b")


def _phrase_pattern(phrases: Iterable[str]) -> re.Pattern:
    """Whole-word alternation of literal phrases, longest first (linear in the text)."""
    ordered = sorted({p.lower().replace("’", "'") for p in phrases if p}, key=len, reverse=True)
    return re.compile(r"(?<![\w'])(?:" + "|".join(re.escape(p) for p in ordered) + r")(?![\w'])")


def _lookup_words(path: Path) -> List[str]:
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    words: List[str] = []
    for block in document.get("nlu", []):
        if block.get("lookup") == "incident_type":
            words += [line[2:].strip() for line in block["examples"].splitlines() if line.strip().startswith("- ")]
    return words


def _claim_asked(path: Path) -> re.Pattern:
    expressions = yaml.safe_load(path.read_text(encoding="utf-8"))["claim_asked"]
    return re.compile("|".join(f"(?:{expression})" for expression in expressions), re.IGNORECASE)


def _cover_may_apply(raw: Dict[str, Any]) -> re.Pattern:
    """"<verb> my|our|the [one word] <thing>": another company lost or damaged something we may insure."""
    verbs = _phrase_pattern(raw["verbs"]).pattern
    things = _phrase_pattern(raw["things"]).pattern
    return re.compile(verbs + r"\s+(?:(?:all|some|half|most|both|one)\s+(?:of\s+)?)?(?:my|our|the|his|her)\s+"
                      r"(?:[\w'-]+\s+)?" + things)


@dataclass(frozen=True)
class CommitmentRules:
    max_chars: int
    min_confidence: float
    max_question_confidence: float
    incident_signs: re.Pattern
    committing: frozenset
    switching_from: frozenset
    hypothetical: re.Pattern
    happened: re.Pattern
    existing_claim: re.Pattern
    not_new_claim: re.Pattern
    chase: re.Pattern
    claim_words: re.Pattern
    switching: re.Pattern
    cancel_now: re.Pattern
    cancel_words: re.Pattern
    complaint_intents: frozenset
    ours: re.Pattern
    cancel_someone_elses: re.Pattern
    incident_words: re.Pattern
    cover_may_apply: re.Pattern
    our_side_from: frozenset
    our_side: re.Pattern
    yours_from: frozenset = frozenset()
    yours: Optional[re.Pattern] = None
    claim_asked_from: frozenset = frozenset()
    claim_asked: Optional[re.Pattern] = None
    claim_asked_hedges: Optional[re.Pattern] = None
    payment_problem_from: frozenset = frozenset()
    chase_from: frozenset = frozenset()
    payment_problem: Optional[re.Pattern] = None
    claim_as_topic: Optional[re.Pattern] = None
    missed_call_back: Optional[re.Pattern] = None

    @classmethod
    def load(cls, path: Path = RULES_PATH, incident_lookup: Path = INCIDENT_LOOKUP_PATH,
             claim_asked: Path = CLAIM_ASKED_PATH) -> "CommitmentRules":
        raw: Dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
        return cls(
            max_chars=int(raw["max_chars"]),
            min_confidence=float(raw["min_confidence_without_evidence"]),
            max_question_confidence=float(raw["max_confidence_question_without_incident"]),
            incident_signs=_phrase_pattern(raw["incident_signs"]),
            committing=frozenset(raw["committing_intents"]),
            switching_from=frozenset(raw["switching_from_intents"]),
            hypothetical=_phrase_pattern(raw["hypothetical"]),
            happened=_phrase_pattern(raw["happened"]),
            existing_claim=_phrase_pattern(raw["existing_claim"]),
            not_new_claim=_phrase_pattern(raw["not_new_claim"]),
            chase=_phrase_pattern(raw["chase"] + raw["missed_call_back"]),
            claim_words=_phrase_pattern(list(raw["claim_words"]) + _lookup_words(incident_lookup)),
            switching=_phrase_pattern(raw["switching"]),
            cancel_now=_phrase_pattern(raw["cancel_now"]),
            cancel_words=_phrase_pattern(raw["cancel_words"]),
            complaint_intents=frozenset(raw["complaint_intents"]),
            ours=_phrase_pattern(raw["ours"]),
            incident_words=_phrase_pattern(_lookup_words(incident_lookup)),
            cover_may_apply=_cover_may_apply(raw["cover_may_apply"]),
            our_side_from=frozenset(raw["our_side_from_intents"]),
            our_side=_phrase_pattern(raw["our_side"]),
            yours_from=frozenset(raw.get("yours_from_intents") or ()),
            yours=_phrase_pattern(raw["yours"]) if raw.get("yours") else None,
            chase_from=frozenset(raw.get("chase_from_intents") or ()),
            payment_problem_from=frozenset(raw.get("payment_problem_from_intents") or ()),
            payment_problem=(re.compile("|".join(f"(?:{e})" for e in raw["payment_problem"]))
                             if raw.get("payment_problem") else None),
            claim_asked_from=frozenset(raw.get("claim_asked_from_intents") or ()),
            claim_asked=_claim_asked(claim_asked),
            claim_asked_hedges=_phrase_pattern(raw.get("claim_asked_hedges") or ["if"]),
            claim_as_topic=_phrase_pattern(raw["claim_as_topic"]) if raw.get("claim_as_topic") else None,
            missed_call_back=_phrase_pattern(raw["missed_call_back"]),
            cancel_someone_elses=re.compile(
                r"\bcancel\w*\s+(?:my|the|our|a|this)\s+(?:[\w']+\s+){0,2}?" +
                _phrase_pattern(raw["cancel_someone_elses"]).pattern),
        )


@lru_cache(maxsize=1)
def default_rules() -> CommitmentRules:
    return CommitmentRules.load()


@dataclass(frozen=True)
class Reading:
    """What the guard made of a guess: the intent to act on, and why it differs from the classifier's."""

    intent: str
    reason: str


def _normalised(text: str, max_chars: int) -> str:
    return " ".join((text or "")[:max_chars].lower().replace("’", "'").split())


def read_commitment(intent: Optional[str], confidence: float, text: str,
                    rules: Optional[CommitmentRules] = None, runner_up: Optional[str] = None) -> Optional[Reading]:
    """The reading that replaces the classifier's guess, or None when the guess stands. ``runner_up`` is the
    classifier's second intent, when known."""
    rules = rules or default_rules()
    if not intent:
        return None
    words = _normalised(text, rules.max_chars)
    if intent in rules.our_side_from:
        ours = rules.our_side.search(words)
        if ours:
            return Reading(CLAIM_STATUS, f"our side holds up a claim ({ours.group(0)!r})")
    if intent in rules.chase_from:
        existing = rules.existing_claim.search(words)
        if existing and rules.chase.search(words) and not _NEW_CLAIM.search(words):
            return Reading(CLAIM_STATUS, f"chases an existing claim ({existing.group(0)!r})")
        missed = rules.missed_call_back.search(words) if rules.missed_call_back is not None else None
        # "You said someone would call on Tuesday. It's Friday." read as a remark: our failing, owned.
        # "The estate agent hasn't called me back": theirs, not ours.
        if missed and not existing and not (EVIDENCE[OTHER_COMPANY].search(words) and not rules.ours.search(words)):
            return Reading(COMPLAINT, f"a call back from us that never came ({missed.group(0)!r})")
    if (intent in rules.switching_from and rules.switching.search(words)
            and not rules.cancel_now.search(words)):
        return Reading(SWITCHING_QUESTION, "moving to another insurer is a question, not a cancellation")
    if intent in rules.yours_from and rules.yours is not None:
        yours = rules.yours.search(words)
        if yours:
            return Reading(CLARIFY_POLICY, f"names something of ours ({yours.group(0)!r})")
    if (intent in rules.complaint_intents and EVIDENCE[OTHER_COMPANY].search(words)
            and not rules.ours.search(words)):
        if rules.cover_may_apply.search(words):
            return Reading(CLARIFY_POLICY, "another company lost or damaged something we may insure")
        return Reading(OTHER_COMPANY, "a complaint about another company's service, with nothing of ours")
    if intent in rules.payment_problem_from and rules.payment_problem is not None:
        problem = rules.payment_problem.search(words)
        if problem:
            return Reading(COMPLAINT, f"a problem with a payment we took ({problem.group(0)!r})")
    if (intent == "cancel_policy" and rules.cancel_someone_elses.search(words)
            and not rules.ours.search(words)):
        return Reading(OTHER_COMPANY, "cancelling another company's product, not a policy of ours")
    if intent == OTHER_COMPANY and rules.incident_words.search(words):
        # Mixed evidence ("a leak under the sink … the plumber is booked for Friday"): ask, don't turn away.
        return Reading(CLARIFY_POLICY, "another company named beside an incident we may cover")
    if intent == OTHER_COMPANY and rules.cover_may_apply.search(words):
        # "The airline lost my suitcase", "the builders damaged our ceiling": our cover may still concern it.
        return Reading(CLARIFY_POLICY, "another company lost or damaged something we may insure")
    if (intent == OTHER_COMPANY and runner_up in rules.complaint_intents and EVIDENCE[OTHER_COMPANY].search(words)
            and not rules.ours.search(words)):
        # "The train was cancelled again this morning, I'm sick of it": read as theirs, or as a complaint that the
        # complaint rule above would call theirs. Both readings give the same reply, so a near tie between them
        # is no reason to ask what the message is about (session 7).
        return Reading(OTHER_COMPANY, f"another company's service, with nothing of ours (runner-up {runner_up})")
    if (intent in rules.claim_asked_from and rules.claim_asked is not None and rules.claim_asked.search(words)
            and not looks_like_question(text or words)
            and not (rules.claim_asked_hedges and rules.claim_asked_hedges.search(words))):
        # "wnat to make a clam": asked for in so many words. Still a chase, a what-if or an existing claim when
        # the words say so (read as a sure claim guess would be).
        return _claim_reading(1.0, words, rules, text) or Reading(FILE_CLAIM, "asks for a claim in so many words")
    if intent not in rules.committing:
        return None
    if intent == "file_claim":
        return _claim_reading(confidence, words, rules, text)
    if confidence < rules.min_confidence and not rules.cancel_words.search(words):
        return Reading(CLARIFY_POLICY, f"cancellation at {confidence:.2f} with no word of leaving")
    return None


def _claim_reading(confidence: float, words: str, rules: CommitmentRules, text: str = "") -> Optional[Reading]:
    not_new = rules.not_new_claim.search(words)
    if not_new:
        return Reading(CLAIM_STATUS, f"says it is not a new claim ({not_new.group(0)!r})")
    existing = rules.existing_claim.search(words)
    asks_new = _NEW_CLAIM.search(words)
    if existing and rules.chase.search(words) and not asks_new:
        return Reading(CLAIM_STATUS, f"chases an existing claim ({existing.group(0)!r})")
    happened = rules.happened.search(words)
    what_if = rules.hypothetical.search(words) or _OPENS_WITH_IF.search(words)
    if what_if and not happened:
        return Reading(CLAIM_QUESTION, f"a question or what-if, not an incident ({what_if.group(0).strip()!r})")
    if existing and not asks_new and not happened:
        return Reading(CLARIFY_CLAIM, f"names a claim without saying new or existing ({existing.group(0)!r})")
    topic = rules.claim_as_topic.search(words) if rules.claim_as_topic is not None else None
    if topic and not asks_new and not happened and not _tells_an_incident(words, rules):
        return Reading(CLARIFY_CLAIM, f"a claim as the topic, new or existing not said ({topic.group(0)!r})")
    names_incident = rules.claim_words.search(words) or happened or rules.incident_signs.search(words)
    if confidence < rules.min_confidence and not rules.claim_words.search(words):
        return Reading(CLARIFY_POLICY, f"claim at {confidence:.2f} with no word of an incident or a claim")
    if confidence < rules.max_question_confidence and not names_incident and looks_like_question(text or words):
        return Reading(WITHDRAWN, f"a question at {confidence:.2f} that names no incident or claim")
    return None


def _tells_an_incident(words: str, rules: CommitmentRules) -> bool:
    """Whether the message names what happened: a claim word other than "claim" itself, or an incident sign."""
    named = {match.group(0) for match in rules.claim_words.finditer(words)} - {"claim", "claiming"}
    return bool(named) or rules.incident_signs.search(words) is not None


Intent = Dict[str, Any]


def guarded_intent(intent: Optional[Intent], ranking: List[Intent], text: str,
                   rules: Optional[CommitmentRules] = None) -> Tuple[Optional[Intent], List[Intent], Optional[Dict[str, str]]]:
    """The intent and ranking to keep, and (when the guess was replaced) what was replaced and why.

    A replacement is decided by the message's words, so it is not left to the FallbackClassifier's
    confidence margins: it carries confidence 1.0 and heads the ranking."""
    name = (intent or {}).get("name")
    runner_up = next((entry.get("name") for entry in ranking or [] if entry.get("name") != name), None)
    reading = read_commitment(name, float((intent or {}).get("confidence") or 0.0), text, rules, runner_up=runner_up)
    if reading is None:
        return intent, list(ranking or []), None
    replaced = {"name": reading.intent, "confidence": 1.0}
    rest = [dict(entry) for entry in ranking or [] if entry.get("name") not in (name, reading.intent)]
    return replaced, [replaced] + rest, {"from": name, "to": reading.intent, "reason": reading.reason}
