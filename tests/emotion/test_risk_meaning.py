"""The risk reader by meaning (actions/emotion/meaning.py) and how risk.py / bands.py read it in context."""
from __future__ import annotations

import json

import numpy as np
import pytest
import yaml
from hypothesis import given, settings, strategies as st

from actions.emotion.bands import band_for
from actions.emotion.meaning import (CLASSES, LOW_MOOD, MODEL_FILE, SETTINGS_FILE, MeaningReading, Thresholds,
                                     decide, meaning_reader)
from actions.emotion.risk import active_risk, discount_meaning, read_risk, risk_words
from actions.escalation import Turn, decide_message

SHIPPED = meaning_reader()


def _probs(self_harm=0.0, threat=0.0, danger_now=0.0, low_mood=0.0) -> np.ndarray:
    p = np.array([self_harm, threat, danger_now, low_mood, 0.0], dtype=np.float64)
    p[-1] = 1.0 - p[:-1].sum()
    return p


def test_the_shipped_reader_loads_with_the_thresholds_chosen_by_cross_validation():
    assert SHIPPED is not None, "model/risk_meaning.npz missing or trained on another encoder"
    report = json.loads(MODEL_FILE.with_suffix(".json").read_text())
    chosen = report["cross_validation"]
    assert (SHIPPED.thresholds.at_risk, SHIPPED.thresholds.low_mood) == (chosen["at_risk"]["threshold"],
                                                                         chosen["low_mood"]["threshold"])
    assert dict(SHIPPED.thresholds.category_floors) == {"danger_now": 0.995, "threat": 0.96, "self_harm": 0.96}
    assert yaml.safe_load(SETTINGS_FILE.read_text())["thresholds"] == {
        "at_risk": SHIPPED.thresholds.at_risk, "low_mood": SHIPPED.thresholds.low_mood}


# --- the decision rule, pinned below / at / above the shipped thresholds -------------------------------------

def test_the_self_harm_floor_below_at_above():
    t = SHIPPED.thresholds
    floor = dict(t.category_floors)["self_harm"]
    assert floor > t.at_risk
    below = decide(_probs(self_harm=floor - 1e-6), t)
    assert below is None or below[0] != "at_risk"
    assert decide(_probs(self_harm=floor), t)[:2] == ("at_risk", "self_harm")
    assert decide(_probs(self_harm=floor + 1e-6), t)[:2] == ("at_risk", "self_harm")


def test_at_risk_threshold_below_at_above():
    t = Thresholds(SHIPPED.thresholds.at_risk, SHIPPED.thresholds.low_mood)  # the sum rule, without category floors
    assert decide(_probs(self_harm=t.at_risk - 1e-6), t) is None or decide(_probs(self_harm=t.at_risk - 1e-6), t)[0] != "at_risk"
    assert decide(_probs(self_harm=t.at_risk), t)[:2] == ("at_risk", "self_harm")
    assert decide(_probs(self_harm=t.at_risk + 1e-6), t)[:2] == ("at_risk", "self_harm")


def test_at_risk_is_the_sum_of_the_risk_classes_and_names_the_likeliest():
    t = Thresholds(SHIPPED.thresholds.at_risk, SHIPPED.thresholds.low_mood)  # the sum rule, without category floors
    # Each class alone is under the threshold; together they reach it: unsure which danger, sure of danger.
    third = t.at_risk / 3
    split = _probs(self_harm=third - 0.01, threat=third + 0.02, danger_now=third - 0.01)
    assert decide(split, t)[:2] == ("at_risk", "threat")
    assert decide(_probs(self_harm=third, threat=third, danger_now=third - 1e-6), t) is None or \
        decide(_probs(self_harm=third, threat=third, danger_now=third - 1e-6), t)[0] != "at_risk"


def test_low_mood_threshold_below_at_above():
    t = Thresholds(at_risk=0.6, low_mood=0.4)
    assert decide(_probs(low_mood=0.4 - 1e-6), t) is None
    assert decide(_probs(low_mood=0.4), t) == ("low_mood", "low_mood", 0.4)
    assert decide(_probs(low_mood=0.4 + 1e-6), t)[0] == "low_mood"


def test_a_category_floor_below_at_above():
    t = Thresholds(at_risk=0.6, low_mood=0.4, category_floors=(("danger_now", 0.9),))
    assert decide(_probs(danger_now=0.9 - 1e-6), t) is None
    assert decide(_probs(danger_now=0.9), t)[:2] == ("at_risk", "danger_now")
    assert decide(_probs(danger_now=0.9 + 1e-6), t)[:2] == ("at_risk", "danger_now")
    assert decide(_probs(self_harm=0.6), t)[:2] == ("at_risk", "self_harm")  # other categories: the threshold


def test_at_risk_wins_over_low_mood():
    t = Thresholds(at_risk=0.5, low_mood=0.2)
    assert decide(_probs(danger_now=0.5, low_mood=0.45), t)[:2] == ("at_risk", "danger_now")


def test_the_shipped_thresholds_are_in_range():
    assert 0.3 <= SHIPPED.thresholds.at_risk < 1.0 and 0.3 <= SHIPPED.thresholds.low_mood < 1.0


# --- the trained reader on sentences it never saw ------------------------------------------------------------

# New wordings (not exemplars, no risk.yml pattern): the meaning must catch them.
AT_RISK = [
    ("I've left instructions for my funeral and I'm ready to go tonight", "self_harm"),
    ("I took every tablet in the house about twenty minutes ago", "self_harm"),
    ("I've posted my house keys back through the letterbox and said goodbye to everyone", "self_harm"),
    ("my partner grabbed my hair and threw me against the fridge", "threat"),
    ("my ex has been sitting in a car across the road watching my flat all evening", "threat"),
    ("my grandma's slumped in her chair and her lips are going blue", "danger_now"),
]

HARD_NEGATIVES = [
    "my other half will murder me when he sees the dent lol",
    "I'm dying to hear back about the quote",
    "does the policy pay out if the policyholder takes their own life?",
    "we had a chimney fire in the spring, all sorted now, just claiming for the soot",
    "a lorry clipped my mirror on the A1, nobody hurt",
    "my laptop was nicked from the café",
    "I've been on hold for an hour and I'm fuming",
    "the news showed a family rescued from a burning flat",
    "I need to update the beneficiaries on my life cover",
    "can I pay my premium monthly instead?",
]


@pytest.mark.parametrize("text, category", AT_RISK)
def test_new_wordings_at_risk_are_read_by_meaning(scorer, text, category):
    assert not read_risk(text), "the words alone catch it: not a test of the meaning"
    score = scorer.score(text)
    assert score["band"] == "at_risk", score["band_reasons"]
    assert score["risk_meaning"]["kind"] == "at_risk" and score["risk_meaning"]["category"] == category
    # The reason names the nearest exemplar, so the agent and the escalation decision can read why.
    nearest = score["risk_meaning"]["nearest"]
    assert any(f'like: "{nearest}"' in reason for reason in score["band_reasons"])
    decision = decide_message(Turn(text=text, intent="inform", score=score))
    assert (decision.trigger, decision.category, decision.words) == ("vulnerability", category, nearest)
    assert risk_words(text, score) == nearest


@pytest.mark.parametrize("text", HARD_NEGATIVES)
def test_hard_negatives_stay_negative(scorer, text):
    score = scorer.score(text)
    assert score["band"] != "at_risk", score["band_reasons"]
    assert active_risk(text, score) is None


@pytest.mark.parametrize("text", [
    "I've not really spoken to anyone since the funeral, the days just blur",
    "I just lie in bed all day now",
])
def test_low_mood_by_meaning_gets_a_gentle_check_in(scorer, text):
    score = scorer.score(text)
    assert (score["band"], score["check_in"]) == ("distressed", True), score["band_reasons"]
    assert any(reason.startswith("low mood by meaning") for reason in score["band_reasons"])


LOW_MOOD_READING = {"kind": LOW_MOOD, "category": LOW_MOOD, "p": 0.95, "nearest": "I've been in bed all week"}
PLAIN_SCORE = {"intensity": 0.2, "valence": -0.1, "emotions": {}, "cues": []}


def test_a_low_mood_reading_is_a_check_in_unless_laughed_off_or_someone_elses():
    assert band_for({**PLAIN_SCORE, "risk_meaning": LOW_MOOD_READING}, "I stay in most days").as_fields() == {
        "band": "distressed", "check_in": True,
        "band_reasons": ['low mood by meaning, like: "I\'ve been in bed all week"', "gentle check-in"]}
    assert not band_for({**PLAIN_SCORE, "risk_meaning": LOW_MOOD_READING}, "I stay in most days lol").check_in
    assert not band_for({**PLAIN_SCORE, "risk_meaning": LOW_MOOD_READING},
                        "the character in the film stays in bed all day").check_in
    assert not band_for({**PLAIN_SCORE, "risk_meaning": None}, "I stay in most days").check_in


def test_an_at_risk_reading_makes_the_band_at_risk_with_its_reason():
    band = band_for({**PLAIN_SCORE, "risk_meaning": AT_RISK_READING}, "I've sorted everything out for the kids")
    assert band.band == "at_risk"
    assert band.reasons == ['risk by meaning (self harm), like: "I\'ve had enough of being alive"']


# --- context applied to readings by meaning -------------------------------------------------------------------

AT_RISK_READING = {"kind": "at_risk", "category": "self_harm", "p": 0.9, "nearest": "I've had enough of being alive"}
DANGER_READING = {"kind": "at_risk", "category": "danger_now", "p": 0.9, "nearest": "our house is burning"}


@pytest.mark.parametrize("text, reading, why", [
    ("I've given the dog to my neighbour lol", AT_RISK_READING, "humour"),
    ("saw on the news a house burnt out in our road", DANGER_READING, "third_party"),
    ('my daughter keeps singing "I won\'t be here tomorrow"', AT_RISK_READING, "quoted"),
    ("would the policy still pay if I wasn't around any more?", AT_RISK_READING, "hypothetical"),
    ("I'm not depressed, I'd just like my money back", AT_RISK_READING, "negation"),
    ("the kitchen went up in flames but everyone got out", DANGER_READING, "safe_now"),
])
def test_a_reading_by_meaning_is_discounted_in_context(text, reading, why):
    readings = read_risk(text, meaning=reading)
    assert [(r.source, r.discounted_by) for r in readings] == [("meaning", why)]
    assert active_risk(text, {"risk_meaning": reading}) is None


@pytest.mark.parametrize("text", [
    "I'll do something stupid if you don't pay out",  # a condition, not a "what if" (no question, not leading)
    "I don't want to be around any more",  # "don't" is not a denial of risk
    "he hit me in the car on the way home",  # a vehicle nearby is not a collision
    "I can't do this anymore. What if the claim is refused?",  # the "what if" is in another sentence
])
def test_a_reading_by_meaning_stays_active_without_a_discount(text):
    reading = read_risk(text, meaning=AT_RISK_READING)[0] if not read_risk(text) else None
    if reading is None:  # the words themselves caught it: still the customer's risk
        assert active_risk(text)
        return
    assert reading.active and reading.source == "meaning"
    assert active_risk(text, {"risk_meaning": AT_RISK_READING}).words == AT_RISK_READING["nearest"]


THREAT_READING = {"kind": "at_risk", "category": "threat", "p": 0.99, "nearest": "he's kicking the door in"}


@pytest.mark.parametrize("text", [
    "he's taken every penny of my wages and locked me in the spare room",  # "it"/"this" elsewhere is no thing hitting
    "if he finds out I called he'll do it again",  # "when/if he finds out" is hyperbole only right after the words
    "it keeps happening and he is outside now",
])
def test_span_only_contexts_do_not_discount_a_reading_by_meaning(text):
    # not_a_person, hyperbole and figurative look at the words' own span; read anywhere in a message they would
    # discount real threats (session 3: found when "it" anywhere discounted a threat by meaning).
    assert discount_meaning(text, "threat") is None
    assert active_risk(text, {"risk_meaning": THREAT_READING}) is not None


def test_the_shipped_model_was_trained_on_the_exemplars_as_they_are():
    from training.risk_meaning import load_exemplars

    texts, labels, _ = load_exemplars()
    report = json.loads(MODEL_FILE.with_suffix(".json").read_text())
    assert report["exemplars"] == len(texts), "risk_exemplars.yml changed: run python -m training.risk_meaning"
    assert len(SHIPPED.exemplar_texts) == sum(label != "negative" for label in labels)


def test_words_come_first_and_a_discounted_word_is_not_overruled_by_meaning():
    # The patterns found a joke: the meaning is not consulted, whatever it says.
    text = "my mum will kill me when she sees this lol"
    assert [r.source for r in read_risk(text, meaning={**AT_RISK_READING, "category": "threat"})] == ["words"]
    assert active_risk(text, {"risk_meaning": AT_RISK_READING}) is None


def test_low_mood_reading_never_makes_at_risk():
    low = {"kind": LOW_MOOD, "category": LOW_MOOD, "p": 0.99, "nearest": "I just feel numb"}
    assert read_risk("everything is grey", meaning=low) == []


@pytest.mark.parametrize("bad", [None, {}, "at_risk", {"kind": "at_risk"}, {"kind": "at_risk", "category": "x"},
                                 {"kind": "panic", "category": "self_harm"}, {"kind": "at_risk", "category": "threat",
                                                                            "p": "lots"}])
def test_a_malformed_reading_reads_as_none(bad):
    assert MeaningReading.from_dict(bad) is None
    assert read_risk("hello", meaning=bad) == []


# --- bad input is bounded -------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["", "   ", "😭😭😭", "🔥🔥🏠", "Я больше не могу так жить", "我不想活了",
                                  "لا أستطيع الاستمرار", "a" * 100_000, "I want to " * 10_000])
def test_bad_input_is_read_within_bounds(scorer, text):
    score = scorer.score(text)
    assert score["band"] in ("mild", "upset", "distressed", "at_risk")
    meaning = score.get("risk_meaning")
    assert meaning is None or (meaning["kind"] in ("at_risk", LOW_MOOD) and len(meaning["nearest"]) < 300)
    assert discount_meaning(text, "self_harm") in (None, "humour", "third_party", "quoted", "hypothetical",
                                                    "cover_question", "reported", "idiom", "negation")


def test_features_of_the_wrong_shape_are_refused():
    with pytest.raises(ValueError):
        SHIPPED.read(np.zeros((1, 10), dtype=np.float32))
    with pytest.raises(ValueError):
        SHIPPED.read(np.zeros(SHIPPED.weights.shape[0], dtype=np.float32))


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=400), st.sampled_from(["self_harm", "threat", "danger_now", LOW_MOOD]))
def test_discount_meaning_takes_any_text(text, category):
    assert discount_meaning(text, category) is None or isinstance(discount_meaning(text, category), str)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(0, 1), min_size=4, max_size=4))
def test_decide_is_total_on_probabilities(values):
    p = np.array(values + [1.0]) / (sum(values) + 1.0)
    decided = decide(p, SHIPPED.thresholds)
    assert decided is None or decided[0] in ("at_risk", LOW_MOOD)
    if decided is None:
        assert p[:3].sum() < SHIPPED.thresholds.at_risk and p[3] < SHIPPED.thresholds.low_mood


# --- a threat needs a person (risk_meaning.yml `property_only`, session 6) ----------------------------------------

PROPERTY_THREAT = {"kind": "at_risk", "category": "threat", "p": 0.9965,
                   "nearest": "someone's been smashing my car windows every week and last night they left a bullet"}


@pytest.mark.parametrize("text", [
    "got back from the gym and somebody has keyed the driver's door",
    "the van's been broken into overnight, they've taken all the tools",
    "vandals have snapped both wing mirrors off",
    "woke up to find the shed's been broken into",
])
def test_harm_to_a_thing_with_the_doer_gone_is_not_a_threat(text):
    assert discount_meaning(text, "threat") == "property_only"
    assert active_risk(text, {"risk_meaning": PROPERTY_THREAT}) is None


@pytest.mark.parametrize("text", [
    "someone smashed my car window and they're still outside",  # there now
    "somebody keyed my car again, third time this month, I think they know where I live",  # repeated
    "my ex has smashed the windows and says he's coming back for me",  # a person targeted
    "someone's smashed the back door and I'm scared to go downstairs",  # fear, someone may be inside
    "they slashed my tyres and left a note saying I'm next",  # a warning
])
def test_a_threat_to_property_with_a_person_in_it_stays_a_threat(text):
    assert discount_meaning(text, "threat") is None
    assert active_risk(text, {"risk_meaning": PROPERTY_THREAT}) is not None


def test_property_only_discounts_threat_alone():
    # Danger now and self-harm are read as before: a smashed window beside smoke is still danger.
    text = "someone's smashed the kitchen window"
    assert discount_meaning(text, "threat") == "property_only"
    assert discount_meaning(text, "danger_now") is None
    assert discount_meaning(text, "self_harm") is None


# --- fear of losing a home or a job is hardship, and an idiom of running out of patience is frustration, not
# self-harm (risk_meaning.yml `losing_something`, session 8; `exasperation`, session 9; both unless `no_way_out`) ---

LOSS_SELF_HARM = {"kind": "at_risk", "category": "self_harm", "p": 0.97,
                  "nearest": "I've lost everything and I want to end it"}


@pytest.mark.parametrize("text, reason", [
    ("I think I'm going to lose my house", "losing_something"),
    ("we might lose our home if the claim isn't paid", "losing_something"),
    ("I'm scared I'll lose my job over this", "losing_something"),
    ("honestly we could end up losing the business", "losing_something"),
    ("Honestly I'm at the end of my rope with all of this", "exasperation"),
    ("I've reached the end of my tether with this claim", "exasperation"),
    ("at my wits end with you lot", "exasperation"),
])
def test_a_fear_of_losing_something_or_an_exasperated_idiom_is_not_read_as_self_harm(text, reason):
    assert discount_meaning(text, "self_harm") == reason
    assert active_risk(text, {"risk_meaning": LOSS_SELF_HARM}) is None


@pytest.mark.parametrize("text", [
    "I'm going to lose my house and there's no way out",
    "we'll lose the house, everyone would be better off without me",
    "I'm going to lose my job and I don't want to be here anymore",
    "I've lost my house",  # a loss that has happened is not this fear: the reading stands
    "I'm at the end of my rope and I can't go on",
    "at the end of my tether, everyone would be better off without me",
    "I'm at the end of the road",  # not the idiom: the reading stands
])
def test_with_no_way_out_the_reading_stays_at_risk(text):
    assert discount_meaning(text, "self_harm") is None


@pytest.mark.parametrize("text", ["I think I'm going to lose my house", "I'm at the end of my rope"])
def test_these_discounts_apply_to_self_harm_alone(text):
    assert discount_meaning(text, "threat") is None and discount_meaning(text, "danger_now") is None
    assert discount_meaning(text, "low_mood") is None
