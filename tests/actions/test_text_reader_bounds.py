"""Bounded work on hostile input (issue #19; measured by bench/hostile_input.py): every text reader of the action server takes time in
proportion to the text. Each reader's time on an adversarial message is measured against a plain
per-character pass over the same text in the same run (a ratio, not a wall-clock limit); a regular
expression that backtracks quadratically (the old policy-number reading: 8,000 spaces, 0.8 s) is
thousands of times over, a linear reader with hundreds of phrases stays well under the budget.
"""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from actions.insurance.formats import read_claim_reference, read_policy_number
from bench.hostile_input import KNOWN_TRAPS, READERS, ratio as _ratio, repeated as _repeated

# The slowest linear readers measured ~200-250x the per-character pass (incident phrases over "1 1 1 …",
# emotion cues); the quadratic policy-number and clause patterns measured ~10,000-30,000x at this length.
RATIO_BUDGET = 1000


@pytest.mark.parametrize("reader_name", READERS)
@pytest.mark.parametrize("trap", KNOWN_TRAPS)
def test_each_reader_is_linear_on_known_traps(reader_name, trap):
    ratio = _ratio(READERS[reader_name], KNOWN_TRAPS[trap])
    assert ratio < RATIO_BUDGET, f"{reader_name} on {trap}: {ratio:.0f}x a per-character pass"


adversarial_units = st.text(alphabet=" \t\n-–,.!?'/0123456789abcCLMhomHOMlifdaysagothanks😢<>{}\"", min_size=1,
                            max_size=12)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(unit=adversarial_units, prefix=st.sampled_from(["", "abc", "CLM", "HOM", "my name is ", "on the 3"]))
def test_every_reader_stays_within_budget_on_generated_messages(unit, prefix):
    text = _repeated(unit, prefix)
    for name, reader in READERS.items():
        ratio = _ratio(reader, text)
        assert ratio < RATIO_BUDGET, f"{name} on {text[:40]!r}…: {ratio:.0f}x a per-character pass"


@pytest.mark.parametrize("text, expected", [
    ("hom 204815", "HOM-204815"), ("HOM-204815", "HOM-204815"), ("my policy is hom  –  204815", "HOM-204815"),
    ("hom\t\t204815", "HOM-204815"), ("abc" + " " * 5000 + "hom 204815", "HOM-204815"),
])
def test_the_linear_policy_pattern_reads_what_the_old_one_read(text, expected):
    assert read_policy_number(text).value == expected


@pytest.mark.parametrize("text, expected", [
    ("clm 20814", "CLM-20814"), ("CLM-20814", "CLM-20814"), ("clm - 20814", "CLM-20814"), ("clm\n20814", "CLM-20814"),
])
def test_the_linear_claim_pattern_reads_what_the_old_one_read(text, expected):
    assert read_claim_reference(text).value == expected


@pytest.mark.parametrize("text, clauses", [
    ("it was fine, but then it leaked", "fine / then"), ("ok   but    no", "ok / no"), ("great. but awful", "great. / but awful"),
])
def test_the_linear_clause_pattern_splits_as_before(text, clauses):
    from actions.escalation.decision import _CLAUSE_BREAK
    first, second = clauses.split(" / ")
    parts = _CLAUSE_BREAK.split(text)
    assert parts[0].endswith(first) and parts[-1].startswith(second) and len(parts) == 2


def test_two_dashes_are_still_no_separator():
    assert read_claim_reference("clm -- 20814").ok is False
