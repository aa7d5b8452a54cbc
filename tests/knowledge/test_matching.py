"""The decision rule (threshold, near-tie margin, sure score), the rescue rule, the question-form and
personal-question readers, and the index."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings as hyp_settings, strategies as st

from actions.knowledge.matching import (Decision, Index, Match, decide, looks_like_question, matches_from_parse,
                                        may_rescue, personal_action)

EPS = 1e-6


@pytest.fixture
def rules(retrieval_settings):
    return dataclasses.replace(retrieval_settings, answer_threshold=0.64, margin=0.04, sure_score=0.80)


@pytest.mark.parametrize("score, outcome", [(0.64 - EPS, "none"), (0.64, "answer"), (0.64 + EPS, "answer")])
def test_threshold_is_inclusive(rules, score, outcome):
    assert decide([Match("a", score), Match("b", 0.1)], rules).outcome == outcome


@pytest.mark.parametrize("gap, outcome", [(0.04 - 0.001, "clarify"), (0.04, "answer"), (0.04 + 0.001, "answer")])
def test_a_near_tie_below_the_sure_score_asks_which_one(rules, gap, outcome):
    decision = decide([Match("a", 0.70), Match("b", 0.70 - gap)], rules)
    assert decision.outcome == outcome
    if outcome == "clarify":
        assert (decision.best.entry_id, decision.runner_up.entry_id) == ("a", "b")


@pytest.mark.parametrize("best, outcome", [(0.80 - EPS, "clarify"), (0.80, "answer"), (0.80 + EPS, "answer")])
def test_a_near_tie_at_or_above_the_sure_score_is_answered(rules, best, outcome):
    assert decide([Match("a", best), Match("b", best - 0.01)], rules).outcome == outcome


def test_nothing_to_decide_on(rules):
    assert decide([], rules) == Decision("none")
    assert decide([Match("a", 0.9)], rules) == Decision("answer", Match("a", 0.9))


def test_matches_are_read_from_parse_data_and_junk_is_skipped():
    parse = {"knowledge": {"matches": [{"id": "b", "score": 0.5}, {"id": "a", "score": "0.9"}, {"score": 1},
                                       {"id": "c", "score": "high"}]}}
    assert matches_from_parse(parse) == [Match("a", 0.9), Match("b", 0.5)]
    assert matches_from_parse({}) == [] and matches_from_parse(None) == []


@pytest.mark.parametrize("text, expected", [
    ("Can my partner drive my car?", True), ("is my bike covered", True), ("what's an excess", True),
    ("hi, do I need to tell you about points", True), ("it was parked outside the house", False),
    ("my car was stolen last night", False), ("the kitchen ceiling?", True), ("", False),
])
def test_question_form(text, expected):
    assert looks_like_question(text) is expected


@pytest.mark.parametrize("text, action", [
    ("what's my excess", "action_explain_coverage"), ("How much is my home excess?", "action_explain_coverage"),
    ("when does my policy renew", "action_explain_renewal"), ("what is an excess", None),
    ("is my bike covered when I'm on holiday?", None), ("Can my partner drive my car on my policy?", None),
])
def test_personal_questions_go_to_the_policy_actions(retrieval_settings, text, action):
    assert personal_action(text, retrieval_settings) == action


def test_personal_patterns_only_read_the_start_of_a_long_message(retrieval_settings):
    assert personal_action("x" * 400 + " what's my excess", retrieval_settings) is None


ANSWER, CLARIFY, NONE = Decision("answer", Match("a", 0.70)), Decision("clarify", Match("a", 0.7), Match("b", 0.69)), Decision("none")


@pytest.mark.parametrize("intent, text, entities, decision, rescued", [
    ("out_of_scope", "can my partner drive my car", [], ANSWER, True),
    ("nlu_fallback", "can my partner drive my car", [], CLARIFY, True),
    ("out_of_scope", "can my partner drive my car", [], NONE, False),
    ("file_claim", "is it worth claiming for a scratch?", [], ANSWER, False),
    ("inform", "is it worth claiming for a scratch?", [], ANSWER, True),
    ("inform", "it was a small scratch on the door", [], ANSWER, False),
    ("out_of_scope", "what's my excess", [], ANSWER, False),
    ("out_of_scope", "is HOM-204815 covered for floods?", [{"entity": "policy_number"}], ANSWER, False),
    ("ask_coverage", "is my bike covered on holiday", [], ANSWER, True),
    ("ask_coverage", "is my bike covered on holiday", [], CLARIFY, False),
    ("ask_coverage", "cover for my bike on holiday please", [], ANSWER, False),
    ("ask_payment", "Can I pay for my policy monthly?", [], ANSWER, True),
    ("ask_payment", "I'd like to pay monthly", [], ANSWER, False),
    ("cancel_policy", "If I cancel within 14 days do I get a full refund?", [], ANSWER, True),
    ("cancel_policy", "I want to cancel", [], ANSWER, False),
    ("cancel_policy", "can I cancel?", [], CLARIFY, False),
    ("claim_status", "how long do claims normally take?", [], ANSWER, True),
    ("claim_status", "how long will my claim take?", [], ANSWER, False),
    # The gap between "my" and "claim" is at most 30 characters: a longer one is not about their claim.
    ("claim_status", "how long will my " + "x" * 27 + " claim take?", [], ANSWER, False),  # gap 29
    ("claim_status", "how long will my " + "x" * 28 + " claim take?", [], ANSWER, False),  # gap 30
    ("claim_status", "how long will my " + "x" * 29 + " claim take?", [], ANSWER, True),  # gap 31
    ("make_complaint", "why is my renewal so expensive?", [], ANSWER, False),
])
def test_rescue_rule(retrieval_settings, intent, text, entities, decision, rescued):
    assert may_rescue(intent, text, entities, decision, retrieval_settings) is rescued


def test_index_scores_an_entry_by_its_closest_wording():
    rows = np.array([[1, 0], [0, 1], [0.6, 0.8]], dtype=np.float32)
    index = Index(["b", "a", "b"], rows)
    assert index.search(np.array([0.0, 2.0]), 2) == [Match("a", 1.0), Match("b", pytest.approx(0.8))]
    assert index.search(np.zeros(2), 2) == []


@hyp_settings(max_examples=200, deadline=None)
@given(st.text(max_size=2000))
def test_readers_take_any_text(text):
    looks_like_question(text)
    assert personal_action(text, _SETTINGS) in (None, "action_explain_coverage", "action_explain_renewal")


from actions.knowledge.matching import RetrievalSettings  # noqa: E402

_SETTINGS = RetrievalSettings.from_file()
