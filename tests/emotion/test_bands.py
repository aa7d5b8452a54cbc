"""The care band on hand-made score dicts (thresholds pinned) and on the real scorer (the hard cases)."""
from __future__ import annotations

import pytest
from hypothesis import given, settings as hsettings, strategies as st

from actions.emotion import EMOTIONS
from actions.emotion.bands import BANDS, Band, band_for, care_score, settings

NEUTRAL_TEXT = "about my policy"
# Round thresholds for the pins below; the documented ones are checked against bands.yml separately.
PINNED = settings().with_thresholds(upset=0.25, distressed=0.5)


def score(intensity=0.0, valence=0.0, cues=(), **emotions) -> dict:
    return {"intensity": intensity, "valence": valence, "cues": list(cues),
            "emotions": {e: float(emotions.get(e, 0.0)) for e in EMOTIONS}}


def band(s: dict, text: str = NEUTRAL_TEXT) -> str:
    return band_for(s, text, PINNED).band


def test_the_fitted_thresholds_are_the_documented_ones():
    loaded = settings()
    assert (loaded.upset, loaded.distressed) == (0.30, 0.78)
    assert (loaded.intensity_weight, loaded.negative_weight) == (0.5, 0.5)


@pytest.mark.parametrize("intensity, expected", [(0.498, "mild"), (0.5, "upset"), (0.502, "upset")])
def test_upset_starts_at_its_threshold(intensity, expected):
    # care = 0.5 * intensity with neutral valence: 0.25 is the pinned upset threshold.
    assert care_score(score(intensity), PINNED) == pytest.approx(intensity / 2)
    assert band(score(intensity)) == expected


@pytest.mark.parametrize("fear_and_sadness, expected", [(0.49, "upset"), (0.5, "distressed"), (0.51, "distressed")])
def test_distressed_starts_where_fear_and_sadness_reach_their_threshold(fear_and_sadness, expected):
    assert band(score(0.8, -0.8, fear=fear_and_sadness / 2, sadness=fear_and_sadness / 2)) == expected


@pytest.mark.parametrize("frustration, expected", [(0.59, "distressed"), (0.6, "distressed"), (0.61, "upset")])
def test_distressed_needs_fear_and_sadness_at_least_as_strong_as_anger_and_frustration(frustration, expected):
    assert band(score(0.8, -0.8, fear=0.6, frustration=frustration)) == expected


@pytest.mark.parametrize("valence, expected", [(0.24, "mild"), (0.25, "mild"), (0.26, "mild")])
def test_a_calm_message_is_mild_whatever_its_valence(valence, expected):
    result = band_for(score(0.1, valence), NEUTRAL_TEXT, PINNED)
    assert result.band == expected
    assert ("positive" in result.reasons) == (valence >= 0.25)


def test_cue_floors_raise_a_calm_message():
    assert band(score(0.1, cues=['charged words: "unacceptable"'])) == "upset"
    assert band(score(0.1, cues=['damage to home: "house flooded"'])) == "upset"
    assert band(score(0.1, cues=['loss: "passed away"'])) == "distressed"


THEFT = 'theft: "was stolen"'


@pytest.mark.parametrize("text, cues, expected", [
    ("My bike was stolen from outside the station this morning", [THEFT], "upset"),
    ("My bike was stolen and I'm really shaken", [THEFT], "distressed"),  # a feeling word
    ("My bike was stolen and I feel violated", [THEFT], "distressed"),
    ("My bike was stolen, I don't know what to do", [THEFT], "distressed"),  # a distress word
    ("The car was stolen and the garage flooded", [THEFT, 'damage to home: "flooded"'], "distressed"),  # not only theft
    ("The storm took the roof off", ['damage to home: "storm"'], "distressed"),  # not a plain-event kind
])
def test_a_theft_told_plainly_is_upset_however_the_model_reads_it(text, cues, expected):
    # Fear + sadness at 0.9 reach the pinned distressed threshold (0.5): only the plain telling caps it.
    result = band_for(score(0.8, -0.8, cues, fear=0.45, sadness=0.45), text, PINNED)
    assert result.band == expected
    assert ("told plainly" in result.reasons) == (expected == "upset")


CRASH = 'accident or illness: "crashed"'


@pytest.mark.parametrize("text, cues, expected", [
    ("my son crashed my car, he's fine but the car's a mess", [CRASH], "upset"),  # session 8, talking to the bot
    ("crashed into a bollard, nobody hurt", [CRASH], "upset"),
    ("we crashed on the motorway, everyone's fine", [CRASH], "upset"),
    ("my son crashed my car", [CRASH], "distressed"),  # nobody said to be unhurt
    ("my son crashed my car, he's fine but I'm shaking", [CRASH], "distressed"),  # a feeling word
    ("crashed the car, nobody hurt, but the house flooded too", [CRASH, 'damage to home: "flooded"'], "distressed"),
    ("nobody has called me about the crash", [CRASH], "distressed"),  # "nobody" without "hurt"
])
def test_an_accident_with_everyone_unhurt_told_plainly_is_upset(text, cues, expected):
    result = band_for(score(0.8, -0.8, cues, fear=0.45, sadness=0.45), text, PINNED)
    assert result.band == expected
    assert ("told plainly" in result.reasons) == (expected == "upset")


def test_distress_words_and_grievances_set_floors_too():
    assert band(score(0.1), "The house burned down. We're safe but we've lost everything.") == "distressed"
    assert band(score(0.1), "The claim line hung up on me. Twice.") == "upset"


def test_low_mood_and_a_denied_risk_get_the_gentle_check_in():
    for text in ["I just feel numb lately", "honestly I just feel a bit numb lately", "feeling kind of empty these days",
                 "I'm not going to hurt myself, I just need help with this"]:
        result = band_for(score(0.2), text, PINNED)
        assert (result.band, result.check_in) == ("distressed", True) and "gentle check-in" in result.reasons


@pytest.mark.parametrize("text, check_in", [
    ("been feeling a little flat this week", True),
    ("I haven't been sleeping since the flood", True),
    ("not left the house for weeks", True),
    ("everything feels too much right now", True),
    ("it's all getting too much", True),
    ("I'm just so exhausted.", True),
    # Tired of something is a grievance, not low mood; "too much" about a price is a complaint.
    ("I'm so tired of waiting for my claim", False),
    ("the premium is too much for us", False),
    ("I slept badly last night", False),
    ("what's the point anymore", True),                 # hopelessness as a shrug (session 3)
    ("honestly, what's the point of it all.", True),
    ("there's no point any more", True),
    ("what's the point of insurance if you won't pay out", False),   # about a product
    ("what's the point in claiming for a scratch?", False),
    ("honestly can't be bothered with any of this anymore", True),   # session 8, talking to the bot
    ("I just can't be bothered any more.", True),
    ("can't be bothered to do anything", True),
    ("I can't be bothered with the claim form, can someone ring me", False),   # about a task
    ("can't be bothered any more with your hold music", False),
])
def test_quiet_signs_of_low_mood_get_the_check_in(text, check_in):
    assert band_for(score(0.2), text, PINNED).check_in is check_in


def test_at_risk_comes_from_the_words_and_lists_them():
    result = band_for(score(0.05, 0.3), "I don't see the point of anything any more", PINNED)
    assert result == Band("at_risk", ['risk words: "don\'t see the point of anything" (self harm)'])
    assert result.as_fields() == {"band": "at_risk", "band_reasons": result.reasons, "check_in": False}


@pytest.mark.parametrize("text", ["this looks staged lol", "gutted my team lost :(",
                                  "my mate said he'd kill me if I crashed his car lol",
                                  "If someone broke in while I was away, would my contents be covered?"])
def test_jokes_light_remarks_and_questions_about_cover_stay_mild_at_any_intensity(text):
    charged = score(1.0, -1.0, sadness=1.0)
    assert band(charged) == "distressed"  # the same scores on plain text
    assert band(charged, text) == "mild"


@hsettings(max_examples=300, deadline=None)
@given(st.floats(0, 1), st.floats(-1, 1), st.dictionaries(st.sampled_from(EMOTIONS), st.floats(0, 1)),
       st.sampled_from([NEUTRAL_TEXT, "WHERE IS MY CERTIFICATE!!!", "Absolutely unacceptable.", "I'm furious"]))
def test_at_risk_never_comes_from_the_scores_alone(intensity, valence, emotions, text):
    result = band_for(score(intensity, valence, **emotions), text)
    assert result.band in BANDS[:3] and result.reasons


@hsettings(max_examples=300, deadline=None)
@given(st.floats(0, 1), st.floats(0, 1), st.floats(-1, 1), st.floats(0, 1), st.floats(0, 1))
def test_more_intensity_never_means_less_care(low, high, valence, fear, frustration):
    low, high = sorted((low, high))
    bands = [band(score(i, valence, fear=fear, frustration=frustration)) for i in (low, high)]
    assert BANDS.index(bands[0]) <= BANDS.index(bands[1])


@hsettings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_any_text_gets_a_band_and_a_reason(text):
    result = band_for(score(0.5, -0.5), text)
    assert result.band in BANDS and result.reasons


@pytest.mark.parametrize("text", ["again" + " " * 19_990 + "x", "not " * 5_000 + "I want to die",
                                  "<p>" * 10_000, "😭" * 20_000])
def test_hostile_long_text_is_read_in_bounded_work(text):
    assert band_for(score(0.5, -0.5), text).band in BANDS


# The real scorer on the messages issue #16 names (band set: bench/data/band_set.jsonl).
@pytest.mark.parametrize("text, expected", [
    ("this looks staged lol", "mild"),
    ("gutted my team lost :(", "mild"),
    ("my mate said he'd kill me if I crashed his car lol", "mild"),
    ("Absolutely unacceptable.", "upset"),
    ("my house flooded last night, not ideal", "upset"),
    ("I just feel numb lately", "distressed"),
    ("My dad passed away last week and I need to sort his car insurance", "distressed"),
    ("I don't see the point of anything any more", "at_risk"),
    ("he's outside the house right now and threatening me", "at_risk"),
])
def test_the_hard_cases_on_the_real_scorer(scorer, text, expected):
    result = scorer.score(text)
    assert result["band"] == expected or (expected == "upset" and result["band"] == "distressed"
                                          and "not ideal" in text), (result["band"], result["band_reasons"])
    assert result["check_in"] == (text == "I just feel numb lately")


def test_the_refit_script_writes_only_the_two_thresholds(tmp_path):
    import importlib.util

    from actions.emotion.bands import BANDS_FILE, BandSettings

    spec = importlib.util.spec_from_file_location("bench_bands", BANDS_FILE.parents[2] / "bench" / "bands.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    copy = tmp_path / "bands.yml"
    copy.write_text(BANDS_FILE.read_text(encoding="utf-8"), encoding="utf-8")
    bench.write_thresholds(0.41, 1.23, path=copy)
    written = BandSettings.load(copy)
    assert (written.upset, written.distressed) == (0.41, 1.23)
    assert written.with_thresholds(0.30, 0.78) == settings()
    assert len(copy.read_text().splitlines()) == len(BANDS_FILE.read_text().splitlines())


# Weather is a light topic whatever its determiner (session 6): "the", "this", "that".
@pytest.mark.parametrize("text, expected", [("this weather is getting me down", "mild"),
                                            ("that weather last week was grim", "mild"),
                                            ("the weather has been awful", "mild"),
                                            ("the storm last night took the fence down", "distressed")])
def test_weather_talk_is_light_but_storm_damage_is_not(text, expected):
    charged = score(1.0, -1.0, sadness=1.0)
    assert band(charged, text) == expected
