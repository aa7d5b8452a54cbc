"""A declined or disputed *claim* is a complex case; a declined card or a disputed payment is not (issue #16,
"Complex cases by meaning"; bench/public_escalation.py found these bare words on 3.8 % of routine requests)."""
from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from actions.escalation import Turn, decide_message
from actions.escalation.lexicon import CLAIM_WORD_GAP, COMPLEX_CASE

DECLINED_OR_DISPUTED = COMPLEX_CASE["declined_or_disputed_claim"]
CALM = {"intensity": 0.2, "valence": -0.1, "is_english": True, "language": "en", "cues": []}


@pytest.mark.parametrize("text", [
    "you declined my claim and I want to dispute it",
    "My claim for the burst pipe was rejected last week",
    "They turned down the claim because of wear and tear",
    "why was my pay-out refused?",
    "the other driver's insurer has denied liability",
    "you refused to pay out for the storm damage",
    "I want to appeal the decision on my kitchen",
    "the settlement you offered is insulting and I will dispute it",
    "I'm taking this to the ombudsman",
    "my solicitor will be in touch",
])
def test_refused_or_disputed_claims_are_complex_cases(text):
    decision = decide_message(Turn(text, None, CALM))
    assert decision is not None and decision.trigger == "complex_case"
    assert decision.category == "declined_or_disputed_claim"


@pytest.mark.parametrize("text", [
    "My card was declined at the supermarket this morning",
    "why did my transfer get rejected?",
    "the cash machine refused my card",
    "Is my card denied anywhere abroad?",
    "how do I dispute a payment I didn't make",
    "I declined the extra breakdown cover when I renewed",
    "I made a claim last month. Today my card was declined.",
    "Declined! Anyway, what's the excess on my claim?",
    "the council turned down my planning application",
])
def test_refusals_and_disputes_that_are_not_about_a_claim_are_routine(text):
    assert decide_message(Turn(text, None, CALM)) is None


@pytest.mark.parametrize("gap, matches", [(CLAIM_WORD_GAP - 1, True), (CLAIM_WORD_GAP, True),
                                          (CLAIM_WORD_GAP + 1, False)])
def test_claim_and_refusal_must_be_close_in_the_same_sentence(gap, matches):
    # gap counts every character between the two words, the spaces included.
    filler = " " + "x" * (gap - 2) + " "
    assert bool(DECLINED_OR_DISPUTED.search(f"claim{filler}declined")) is matches
    assert bool(DECLINED_OR_DISPUTED.search(f"declined{filler}claim")) is matches


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["my", "card", "was", "declined", "rejected", "refused", "denied", "turned down",
                                 "dispute", "appeal", "payment", "transfer", "at", "the", "shop", "top-up", "!",
                                 ",", "again", "why", "😡"]), max_size=30))
def test_refusal_words_without_a_claim_never_make_a_complex_case(words):
    assert DECLINED_OR_DISPUTED.search(" ".join(words)) is None


def test_long_hostile_input_is_read_in_bounded_time():
    text = "claim " * 20_000 + "declined " * 20_000
    assert DECLINED_OR_DISPUTED.search(text) is not None
    assert DECLINED_OR_DISPUTED.search("claim, " + "x " * 50_000) is None
