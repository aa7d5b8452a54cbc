"""The arithmetic from the model's readings to valence, arousal, intensity and per-emotion intensities."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from actions.emotion.affect import SETTINGS_FILE, AffectSettings, combine, emotion_shares, noisy_or

SETTINGS = AffectSettings(valence_neutral=3.0, valence_span=0.9, arousal_calm=2.9, arousal_high=3.9,
                          arousal_weight=0.45, negativity_weight=0.35, categorical_weight=0.3,
                          cue_intensity_cap=0.75, cue_emotion_cap=0.75)
unit = st.floats(0.0, 1.0)
signed = st.floats(-1.0, 1.0)


def test_the_shipped_settings_load_and_are_the_documented_ones() -> None:
    assert AffectSettings.load() == SETTINGS


@pytest.mark.parametrize(("rating", "expected"), [
    (3.0, 0.0), (3.9, 1.0), (2.1, -1.0), (3.45, 0.5), (2.55, -0.5), (3.99, 1.0), (2.01, -1.0), (3.89, 0.9889),
    (1.0, -1.0), (5.0, 1.0)])
def test_valence_maps_emobank_ratings_onto_minus_one_to_one(rating: float, expected: float) -> None:
    assert SETTINGS.valence(rating) == pytest.approx(expected, abs=1e-4)


@pytest.mark.parametrize(("rating", "expected"), [
    (2.9, 0.0), (2.89, 0.0), (2.91, 0.01), (3.4, 0.5), (3.89, 0.99), (3.9, 1.0), (3.91, 1.0), (1.0, 0.0)])
def test_arousal_maps_calm_to_zero_and_high_to_one(rating: float, expected: float) -> None:
    assert SETTINGS.arousal(rating) == pytest.approx(expected, abs=1e-9)


def test_intensity_is_the_documented_weighted_sum() -> None:
    assert SETTINGS.intensity(valence=0.0, arousal=0.0, categorical=0.0) == 0.0
    assert SETTINGS.intensity(valence=-0.5, arousal=0.4, categorical=0.2) == pytest.approx(
        0.45 * 0.4 + 0.35 * 0.5 + 0.3 * 0.2)
    # Positive valence adds nothing: a lively thank-you is charged only by its arousal.
    assert SETTINGS.intensity(valence=0.8, arousal=0.4, categorical=0.0) == pytest.approx(0.45 * 0.4)
    assert SETTINGS.intensity(valence=-1.0, arousal=1.0, categorical=1.0) == 1.0  # 1.1 clipped


@given(signed, unit, unit, st.floats(0.0, 0.5))
def test_intensity_stays_in_range_and_rises_with_each_input(valence, arousal, categorical, step) -> None:
    base = SETTINGS.intensity(valence, arousal, categorical)
    assert 0.0 <= base <= 1.0
    assert SETTINGS.intensity(valence, min(1.0, arousal + step), categorical) >= base
    assert SETTINGS.intensity(max(-1.0, valence - step), arousal, categorical) >= base
    assert SETTINGS.intensity(valence, arousal, min(1.0, categorical + step)) >= base


@pytest.mark.parametrize(("values", "expected"), [
    ([], 0.0), ([0.4], 0.4), ([0.5, 0.5], 0.75), ([0.5, 0.48], 0.74), ([0.5, 0.52], 0.75), ([0.9, 0.9], 0.75),
    ([1.5], 0.75), ([-0.3, 0.2], 0.2)])
def test_cues_add_by_noisy_or_up_to_the_cap(values: list[float], expected: float) -> None:
    assert noisy_or(values, cap=0.75) == pytest.approx(expected)


def test_combine_never_lowers_the_level_and_stays_below_one() -> None:
    assert combine(0.5, 0.0) == 0.5
    assert combine(0.5, 0.5) == 0.75
    assert combine(0.9, 0.75) == pytest.approx(0.975)


def test_emotion_shares_count_ambiguous_labels_and_vanish_for_plain_neutral() -> None:
    shares = emotion_shares({"anger": 0.3, "joy": 0.1}, other_labels=0.2)
    assert shares == pytest.approx({"anger": 0.5, "joy": 1 / 6})
    assert emotion_shares({"anger": 0.0, "joy": 0.0}, other_labels=0.0) == {"anger": 0.0, "joy": 0.0}


@given(st.dictionaries(st.sampled_from(["anger", "fear", "joy"]), unit, min_size=1), unit)
def test_emotion_shares_sum_to_at_most_one(groups, other) -> None:
    shares = emotion_shares(groups, other)
    assert all(0.0 <= s <= 1.0 for s in shares.values()) and sum(shares.values()) <= 1.0 + 1e-9


@pytest.mark.parametrize("change", [
    {"valence_span": 0.0}, {"arousal_high": 2.9}, {"arousal_calm": 0.5}, {"negativity_weight": -0.1},
    {"cue_intensity_cap": 1.1}, {"cue_emotion_cap": -0.1}])
def test_settings_that_make_no_sense_are_refused(change: dict, tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        replace(SETTINGS, **change).validate()
    raw = yaml.safe_load(SETTINGS_FILE.read_text())
    raw["scale"]["valence_span"] = -1
    (tmp_path / "bad.yml").write_text(yaml.safe_dump(raw))
    with pytest.raises(ValueError, match="bad.yml"):
        AffectSettings.load(tmp_path / "bad.yml")
