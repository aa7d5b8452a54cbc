import json

import pytest

from actions.emotion.trajectory import conversation_trajectory, distress


def turn(intensity, valence, **extra):
    return {"intensity": intensity, "valence": valence, **extra}


def test_empty_conversation_is_calm():
    result = conversation_trajectory([])
    assert result["turns"] == 0
    assert result["rising"] is False and result["sustained"] is False
    assert result["peak_index"] is None and result["level"] == 0.0


def test_series_smoothing_and_peak_are_computed_from_the_turns():
    result = conversation_trajectory([turn(0.2, -0.6), turn(0.8, -0.6), turn(0.4, -0.6)])
    assert result["distress"] == [0.2, 0.8, 0.4]
    # EWMA with alpha 0.5: 0.2, 0.5, 0.45
    assert result["smoothed"] == [0.2, 0.5, 0.45]
    assert result["level"] == 0.45
    assert result["peak"] == 0.8 and result["peak_index"] == 1


def test_positive_intensity_is_not_distress():
    assert distress(0.9, 0.8) == 0.0
    assert distress(0.9, -0.6) == pytest.approx(0.9)
    assert 0 < distress(0.9, 0.0) < 0.9


def test_escalating_turns_are_rising_not_calm_ones():
    escalating = [turn(0.1, -0.1), turn(0.35, -0.4), turn(0.6, -0.6), turn(0.85, -0.8)]
    calm = [turn(0.1, 0.0), turn(0.15, 0.1), turn(0.1, 0.0), turn(0.12, 0.05)]
    up = conversation_trajectory(escalating)
    assert up["rising"] is True and up["slope"] > 0.05
    flat = conversation_trajectory(calm)
    assert flat["rising"] is False and flat["sustained"] is False and flat["negative_turns"] == 0


def test_falling_distress_is_not_rising():
    result = conversation_trajectory([turn(0.9, -0.8), turn(0.6, -0.5), turn(0.3, -0.2)])
    assert result["rising"] is False and result["slope"] < 0


def test_sustained_distress_without_a_rise():
    result = conversation_trajectory([turn(0.75, -0.7)] * 4)
    assert result["sustained"] is True
    assert result["rising"] is False  # flat, not climbing
    assert result["negative_turns"] == 4 and result["negative_streak"] == 4


def test_single_spike_is_not_sustained():
    result = conversation_trajectory([turn(0.1, 0.0), turn(0.1, 0.0), turn(0.9, -0.8), turn(0.1, 0.1)])
    assert result["sustained"] is False
    assert result["peak_index"] == 2 and result["negative_turns"] == 1 and result["negative_streak"] == 0


def test_tone_from_the_score_dict_is_used_when_present():
    result = conversation_trajectory([turn(0.3, -0.2, tone="upset"), turn(0.3, -0.2, tone="bogus")])
    assert result["tones"] == ["upset", "neutral"]  # bogus tone is recomputed from the numbers


def test_result_is_json_ready():
    result = conversation_trajectory([turn(0.5, -0.5), turn(0.7, -0.7)])
    assert json.loads(json.dumps(result)) == result


@pytest.mark.parametrize("bad", [
    [{"valence": 0.1}],
    [{"intensity": "high", "valence": 0.1}],
    [{"intensity": 1.5, "valence": 0.1}],
    [{"intensity": float("nan"), "valence": 0.1}],
    [{"intensity": True, "valence": 0.1}],
    ["not a dict"],
    {"intensity": 0.5, "valence": 0.0},
])
def test_malformed_scores_raise_a_clear_error(bad):
    with pytest.raises(ValueError, match=r"scores"):
        conversation_trajectory(bad)
