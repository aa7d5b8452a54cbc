"""rasa_addons/rule_lookup.py: the RulePolicy finds the rules Rasa finds, testing only those that can apply."""
from __future__ import annotations

import pytest

from tests.conftest import run_model_probe


@pytest.fixture(scope="module")
def probed() -> dict:
    return run_model_probe("rule_lookup_probe.py", "300")


def test_the_rules_found_are_rasas_for_both_tables(probed):
    assert probed["compared"] > 2500
    assert probed["differ"] == 0
    assert probed["found_some"] > 100  # the comparison includes many states that rules apply to


def test_every_rule_is_indexed_once_and_the_index_is_built_once(probed):
    assert probed["indexed"] + probed["unnamed"] == probed["rules"] > 200
    assert probed["by_intent"] > 200  # most rules answer a message: indexed again by the intent they require
    assert probed["same_index"] is True


def test_installed_once_the_policy_uses_the_index(probed):
    assert probed["installed"] == [True, False]
    assert probed["uses_index"] is True
