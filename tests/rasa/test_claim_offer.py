"""A claim asked about as a question (knowledge/retrieval.yml rescue_needs_words, offer_claim_after), through the
trained model: the question gets the knowledge base, a plain report or an explicit request keeps the claim, and after
the claim is offered under the answer, "yes" starts it and "no" does not."""
from __future__ import annotations

import pytest

from tests.conftest import run_model_probe


@pytest.fixture(scope="module")
def probed() -> dict:
    return run_model_probe("claim_offer_probe.py")


def test_a_coverage_question_after_an_incident_is_answered(probed):
    question = probed["parsed"][0]
    assert (question["intent"], question["rescued_from"], question["entry"]) == (
        "ask_question", "file_claim", "home-freezer")


# a report (one entry matches it well, but nothing is asked); a request to claim with the question; a question whose
# best match is below the claim reading's floor (rescue_min_cosine: "keyed" ranks the stolen-car entry first)
@pytest.mark.parametrize("number", [1, 2, 3])
def test_a_request_or_a_weak_match_keeps_the_claim(probed, number):
    assert probed["parsed"][number]["intent"] == "file_claim"
    assert probed["parsed"][number]["rescued_from"] is None


def test_yes_to_the_offer_starts_the_claim_and_no_does_not(probed):
    assert probed["yes"] == "action_acknowledge_claim"
    assert probed["no"] == "utter_anything_else"
