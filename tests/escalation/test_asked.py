"""A distressed customer who asks for a claim gets the claim, with a person offered beside it (issue #16)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from actions.escalation import Turn, decide_message
from actions.escalation.asked import MAX_CHARS, asks_for_claim

DOMAIN = Path(__file__).resolve().parents[2] / "domain.yml"


def banded(intensity: float, band: str, check_in: bool = False) -> dict:
    return {"intensity": intensity, "valence": -intensity, "is_english": True, "language": "en", "cues": [],
            "band": band, "check_in": check_in}


@pytest.mark.parametrize("text", [
    "I need to file a claim for the roof, the rain's coming in and I can't cope",
    "please can I make a claim, my kitchen's under water and I'm beside myself",
    "I want to put in a claim for the burglary, I'm in pieces",
    "need to claim for my car someone wrecked it and I'm so upset",
    "I'd like to make a claim, I'm absolutely devastated",
    "i need to do a clam for the flood im in bits",
    "can I put my claim in now please, I'm shaking",
    "I need to report a claim, I’m in a terrible state",
])
def test_a_distressed_request_for_a_claim_starts_the_claim(text):
    assert asks_for_claim(text, "file_claim")
    assert decide_message(Turn(text, "file_claim", banded(0.7, "distressed"))) is None


@pytest.mark.parametrize("text", [
    "the storm has wrecked the roof and I'm in pieces",      # an incident, no request: a person may come first
    "someone's taken the car and I'm beside myself",
    "the claim you made me fill in was a nightmare",           # "claim" without asking for one
])
def test_distress_without_a_request_for_a_claim_still_offers_a_person(text):
    assert not asks_for_claim(text, "file_claim")
    decision = decide_message(Turn(text, "file_claim", banded(0.7, "distressed")))
    assert decision is not None and decision.trigger == "high_intensity"


@pytest.mark.parametrize("intent", ["make_complaint", "claim_status", "claim_question", "request_human", None])
def test_only_a_message_read_as_a_new_claim_counts(intent):
    assert not asks_for_claim("I need to make a claim", intent)


def test_an_upset_request_above_the_intensity_threshold_keeps_its_offer():
    # Only the distressed acknowledgement offers a person; an upset one does not, so the offer stays.
    decision = decide_message(Turn("I need to make a claim, this is a disaster", "file_claim", banded(0.95, "upset")))
    assert decision is not None and decision.trigger == "high_intensity"


def test_possible_low_mood_is_not_overridden():
    decision = decide_message(Turn("I need to make a claim", "file_claim", banded(0.7, "distressed", check_in=True)))
    assert decision is None  # the check-in path decides, not this rule (decide_message never offers on check-in)


def test_a_risk_to_life_still_comes_first():
    text = "I need to make a claim for the fire, and honestly I want to end it all"
    decision = decide_message(Turn(text, "file_claim", banded(0.9, "distressed")))
    assert decision is not None and decision.trigger == "vulnerability"


def test_a_bereavement_still_comes_first():
    decision = decide_message(Turn("I need to make a claim, my husband died on Sunday", "file_claim",
                                   banded(0.8, "distressed")))
    assert decision is not None and decision.category == "bereavement"


def test_a_large_loss_is_still_a_complex_case():
    decision = decide_message(Turn("I need to make a claim, the house burnt down", "file_claim",
                                   banded(0.8, "distressed")))
    assert decision is not None and decision.trigger == "complex_case"


def test_words_past_the_reading_limit_do_not_count():
    padding = "x" * MAX_CHARS
    assert asks_for_claim(("I need to make a claim " + padding)[:MAX_CHARS], "file_claim")
    assert not asks_for_claim(padding + " I need to make a claim", "file_claim")


@pytest.mark.parametrize("response", ["utter_claim_acknowledge", "utter_claim_acknowledge_incident"])
def test_the_distressed_claim_acknowledgement_offers_a_person(response):
    # The rule above relies on it: without this wording the customer would lose the offer.
    variants = yaml.safe_load(DOMAIN.read_text(encoding="utf-8"))["responses"][response]
    distressed = [v["text"] for v in variants
                  if any(c.get("name") == "emotion_tone" and c.get("value") == "distressed"
                         for c in v.get("condition") or [])]
    assert distressed and all(re.search(r"talk to a person", text) for text in distressed)
