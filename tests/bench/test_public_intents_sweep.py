"""The sweep's fallback rule must be the pipeline's: FallbackClassifier's threshold and ambiguity gap."""
from __future__ import annotations

import numpy as np
import pytest

from bench.public_intents_sweep import as_tokens, evaluate

CLASSES = np.array(["a", "b", OOS := "oos"])


@pytest.mark.parametrize("top, expected_accuracy", [(0.249, 0.0), (0.25, 1.0), (0.251, 1.0)])
def test_below_the_threshold_is_a_fallback_at_it_is_not(top, expected_accuracy):
    probabilities = np.array([[top, 0.0, 0.0]])
    assert evaluate(["a"], CLASSES, probabilities, threshold=0.25)["in_scope_accuracy"] == expected_accuracy


# Binary fractions, so that "at the gap" is exact in floating point.
@pytest.mark.parametrize("gap, expected_accuracy", [(0.125 - 1 / 64, 0.0), (0.125, 1.0), (0.125 + 1 / 64, 1.0)])
def test_two_close_intents_are_a_fallback(gap, expected_accuracy):
    probabilities = np.array([[0.5, 0.5 - gap, 0.0]])
    result = evaluate(["a"], CLASSES, probabilities, threshold=0.25, ambiguity=0.125)
    assert result["in_scope_accuracy"] == expected_accuracy


def test_out_of_scope_is_recalled_by_oos_or_by_a_fallback():
    probabilities = np.array([[0.1, 0.1, 0.8], [0.2, 0.1, 0.0], [0.9, 0.0, 0.1]])
    assert evaluate([OOS, OOS, OOS], CLASSES, probabilities, threshold=0.25)["oos_recall"] == pytest.approx(2 / 3)


def test_tokens_are_lower_cased_without_punctuation_as_the_whitespace_tokenizer_leaves_them():
    assert as_tokens("Why was my card DECLINED?!  (again)") == "why was my card declined again"
    assert as_tokens("") == ""
