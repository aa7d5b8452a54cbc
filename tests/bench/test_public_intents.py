"""The public intent benchmark's own rules: which pipeline it measures, how it splits and how it scores."""
from __future__ import annotations

from collections import Counter

import yaml
from hypothesis import given, settings, strategies as st

from bench.public_intents import (FALLBACK, OUT_OF_SCOPE, benchmark_config, is_bot_specific, score,
                                  stratified_split)
from tests.conftest import ROOT


def test_the_measured_pipeline_is_config_yml_minus_only_the_heard_specific_parts(tmp_path):
    config = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    measured = benchmark_config(ROOT / "config.yml")
    kept = [c for c in config["pipeline"] if not is_bot_specific(c["name"])]
    assert measured["pipeline"] == kept  # same order, same settings
    assert "policies" not in measured and measured["language"] == config["language"]
    names = [c["name"] for c in measured["pipeline"]]
    assert "rasa_addons.sentence_features.SentenceEmbeddingFeaturizer" in names
    assert not any(name.startswith("rasa_addons.") and "Guard" in name for name in names)
    assert "FallbackClassifier" in names


def test_a_new_heard_component_is_left_out_without_editing_the_benchmark():
    assert is_bot_specific("rasa_addons.some_future_guard.CommitmentGuard")
    assert is_bot_specific("rasa_addons.emotion_scoring.EmotionScorer")
    assert is_bot_specific("RegexEntityExtractor")
    assert not is_bot_specific("rasa_addons.sentence_features.SentenceEmbeddingFeaturizer")
    assert not is_bot_specific("CountVectorsFeaturizer")
    assert not is_bot_specific("LogisticRegressionClassifier")


@settings(max_examples=50, deadline=None)
@given(st.dictionaries(st.sampled_from("abcdefgh"), st.integers(min_value=1, max_value=60), min_size=1))
def test_the_split_holds_out_a_tenth_of_every_intent_and_loses_nothing(sizes):
    rows = [(f"{intent} {i}", intent) for intent, n in sizes.items() for i in range(n)]
    train, validation = stratified_split(rows, 0.10, seed=16)
    assert sorted(train + validation) == sorted(rows)
    held = Counter(intent for _, intent in validation)
    for intent, n in sizes.items():
        assert held[intent] == max(1, round(n * 0.10))
    assert stratified_split(rows, 0.10, seed=16) == (train, validation)


def test_out_of_scope_recall_counts_oos_and_fallbacks_and_in_scope_fallbacks_are_errors():
    rows = [("pay_bill", "pay_bill", 0.9), ("pay_bill", FALLBACK, 0.2), ("pay_bill", OUT_OF_SCOPE, 0.5),
            ("weather", "weather", 0.8),
            (OUT_OF_SCOPE, OUT_OF_SCOPE, 0.6), (OUT_OF_SCOPE, FALLBACK, 0.1), (OUT_OF_SCOPE, "weather", 0.4)]
    result = score(rows)
    assert result["in_scope_accuracy"] == 2 / 4
    assert result["fallback_share"] == 1 / 4
    assert result["in_scope_called_oos"] == 1 / 4
    assert result["oos_recall"] == 2 / 3


def test_a_set_without_out_of_scope_texts_reports_no_recall():
    result = score([("a", "a", 0.9), ("b", "a", 0.6)])
    assert result["in_scope_accuracy"] == 0.5 and "oos_recall" not in result
