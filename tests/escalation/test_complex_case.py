"""A complex case by meaning (actions/escalation/complex_case.py), through the escalation decision."""
from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from actions.escalation import Turn, decide_conversation, decide_message
from actions.escalation.complex_case import complex_case_words


def calm(text: str, intent: str | None = None) -> Turn:
    return Turn(text, intent, {"intensity": 0.2, "valence": 0.0, "arousal": 0.2, "cues": []})


@pytest.mark.parametrize("text, intent", [
    ("my card was declined at the shop", None),
    ("my card was declined at the shop", "other_company"),
    ("my payment got declined at the supermarket", "ask_payment"),
    ("the gym refused to let me cancel", None),
    ("Amazon rejected my return", "other_company"),
])
def test_a_decline_that_is_not_about_a_claim_is_not_a_complex_case(text, intent):
    assert decide_message(calm(text, intent)) is None


@pytest.mark.parametrize("text, intent", [
    ("you declined my claim and I want to dispute it", None),
    ("they turned down the payout for the flood", None),
    ("it was rejected and I don't understand why", "claim_status"),
    ("I want to appeal the decision", "make_complaint"),
])
def test_a_declined_or_disputed_claim_is_a_complex_case(text, intent):
    decision = decide_message(calm(text, intent))
    assert decision.trigger == "complex_case" and decision.category == "declined_or_disputed_claim"


def test_an_earlier_message_about_the_claim_gives_the_decline_its_meaning():
    turns = [calm("what's happening with CLM-20814", "claim_status"), calm("so it's been rejected?", "inform")]
    assert decide_conversation(turns).category == "declined_or_disputed_claim"
    assert decide_conversation([calm("hello", "greet"), calm("so it's been rejected?", "inform")]) is None


@pytest.mark.parametrize("text", ["this is the fourth time I've called", "I've phoned you five times about this"])
def test_repeated_contact_stays_a_complex_case_without_any_claim_word(text):
    decision = decide_message(calm(text, "make_complaint"))
    assert decision.trigger == "complex_case" and decision.category == "repeated_contact"


@pytest.mark.parametrize("intent", ["other_company", "claim_question", "switching_question", "out_of_scope"])
def test_another_company_or_a_what_if_is_never_a_complex_case(intent):
    assert decide_message(calm("what if the whole house burnt down and it cost £50,000", intent)) is None
    assert decide_message(calm("this is the fourth time I've called my bank", intent)) is None


def test_a_large_loss_of_ours_stays_a_complex_case():
    decision = decide_message(calm("the whole house burnt down last night", "file_claim"))
    assert decision.category == "large_loss"
    assert decide_message(calm("the damage will cost £23,500 to fix", "file_claim")).signals == {"amount": 23500.0}


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=300))
def test_other_company_never_escalates_as_a_complex_case(text):
    assert complex_case_words(text, "other_company") is None


@pytest.mark.parametrize("text", [
    "my mate's insurer refused his claim, typical",
    "My sister's insurance company turned down her claim",
    "his insurer rejected the claim after the flood",
    "my old insurer refused my claim, that's why I moved",
    "their insurers declined the payout",
])
def test_a_decline_by_someone_elses_insurer_is_not_a_complex_case(text):
    assert complex_case_words(text, None) is None
    assert decide_message(calm(text)) is None


@pytest.mark.parametrize("text", [
    "my old insurer paid out but you refused my claim",  # speaks to us: a dispute of ours
    "my mate's insurer paid him, but your team rejected my claim",
    "my claim was rejected",  # nobody else's insurer named
    "the insurer refused my claim",  # "the insurer" is us until said otherwise
])
def test_a_decline_of_ours_stays_a_complex_case(text):
    assert complex_case_words(text, None)[0] == "declined_or_disputed_claim"


@pytest.mark.parametrize("text", ["The garage said it's a write off", "the mechanic reckons it's a total loss",
                                  "the repairs are quoted at £23,500"])
def test_a_large_loss_with_no_claim_to_be_about_is_asked_about_first(text):
    # The understanding check's question ("a claim, your policy or cover…?") comes first; the claim, once
    # named, brings the person.
    assert decide_message(calm(text, "clarify_topic")) is None


@pytest.mark.parametrize("text", ["The garage said my car's a write off, what happens with my claim?",
                                  "the repairs are quoted at £23,500 on my policy"])
def test_a_large_loss_in_words_about_a_claim_stays_a_complex_case(text):
    assert decide_message(calm(text, "clarify_topic")).category == "large_loss"


def test_a_large_loss_after_a_claim_was_named_stays_a_complex_case():
    earlier = [calm("I want to make a claim", "file_claim")]
    decision = decide_conversation(earlier + [calm("the garage said it's a write off", "inform")])
    assert decision.trigger == "complex_case" and decision.category == "large_loss"


@pytest.mark.parametrize("amount, complex_", [(9_999, False), (10_000, True), (10_001, True)])
def test_the_large_loss_amount_is_pinned_for_a_claim(amount, complex_):
    decision = decide_message(calm(f"the damage will cost £{amount:,} to fix", "file_claim"))
    assert (decision is not None and decision.category == "large_loss") is complex_
    assert decide_message(calm(f"the damage will cost £{amount:,} to fix", "clarify_topic")) is None
