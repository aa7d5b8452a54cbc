"""Ordering probes: messages written for this test (none from any training set), where people agree which
one is more charged. The scorer must order them the same way, and stay put under edits that change nothing."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from actions import config

# (calm, annoyed, furious) about the same subject.
LADDERS = [
    ("Could you tell me when my home policy renews?",
     "I'm a bit annoyed that the renewal price went up without any explanation.",
     "This is OUTRAGEOUS!!! You doubled my premium, nobody will explain why and I am absolutely furious."),
    ("Has the engineer's report on my boiler come in yet?",
     "It's a bit frustrating that the engineer's report still hasn't come in.",
     "I am livid. Six weeks and STILL no engineer's report, and every time I ring I'm fobbed off!!"),
    ("Can I add my daughter as a named driver?",
     "Slightly irritating that the named driver form kept timing out on me.",
     "Your useless form has thrown me out four times now and I'm absolutely fuming, sort it out!"),
]
MILD_DISAPPOINTMENT = [
    "Shame the courtesy car was a smaller model than I'd hoped, but it's fine.",
    "A little disappointed the refund took a couple of days longer than the email said.",
]
BEREAVEMENT = [
    "My husband died last week and I don't know what to do about his car insurance.",
    "Mum passed away on Sunday. I'm trying to sort out her home insurance and I can barely think.",
]
ROUTINE = "Can you send me a copy of my policy documents please?"
FLOOD_UNDERSTATEMENT = ("The river came up overnight and the whole ground floor is under water, we're staying "
                        "with my sister. Not ideal.")


@pytest.mark.parametrize(("calm", "annoyed", "furious"), LADDERS)
def test_calm_less_than_annoyed_less_than_furious(scorer, calm, annoyed, furious):
    low, mid, high = (scorer.score(t) for t in (calm, annoyed, furious))
    assert low["intensity"] < mid["intensity"] < high["intensity"]
    assert high["intensity"] - low["intensity"] >= 0.3
    assert low["valence"] > high["valence"]


def _anger_or_frustration(score: dict) -> float:
    return max(score["emotions"]["anger"], score["emotions"]["frustration"])


@pytest.mark.parametrize(("annoyed", "furious"), [
    (LADDERS[0][1], LADDERS[0][2]),
    (LADDERS[1][1], LADDERS[1][2]),  # "a bit frustrating" is softened by the customer (cues.py _HEDGED)
    (LADDERS[2][1], LADDERS[2][2]),
])
def test_the_furious_message_shows_more_anger_or_frustration_than_the_annoyed_one(scorer, annoyed, furious):
    assert _anger_or_frustration(scorer.score(furious)) > _anger_or_frustration(scorer.score(annoyed))


@pytest.mark.parametrize("mild", MILD_DISAPPOINTMENT)
@pytest.mark.parametrize("loss", BEREAVEMENT)
def test_mild_disappointment_is_less_charged_than_bereavement(scorer, mild, loss):
    mild_score, loss_score = scorer.score(mild), scorer.score(loss)
    assert mild_score["intensity"] + 0.15 < loss_score["intensity"]
    assert loss_score["emotions"]["sadness"] > mild_score["emotions"]["sadness"]
    assert loss_score["dominant"] == "sadness"


def test_not_ideal_after_a_flood_is_not_read_as_mild(scorer):
    flood, routine = scorer.score(FLOOD_UNDERSTATEMENT), scorer.score(ROUTINE)
    assert flood["intensity"] >= config.EMOTION_TONE_UPSET
    assert flood["intensity"] > routine["intensity"] + 0.25
    assert flood["valence"] < 0


def test_not_ideal_after_a_flood_outscores_every_mild_disappointment(scorer):
    flood = scorer.score(FLOOD_UNDERSTATEMENT)
    assert all(flood["intensity"] > scorer.score(t)["intensity"] for t in MILD_DISAPPOINTMENT)


def test_learned_valence_and_arousal_order_plain_cases(scorer):
    thanks = scorer.score("Thank you so much, you've been brilliant and it's all sorted!")
    routine = scorer.score(ROUTINE)
    furious = scorer.score(LADDERS[0][2])
    assert thanks["valence"] > routine["valence"] > furious["valence"]
    assert furious["arousal"] > routine["arousal"]
    assert thanks["tone"] == "positive"


@pytest.mark.parametrize("text", [LADDERS[0][2], LADDERS[1][2], BEREAVEMENT[0],
                                  "I'm so scared, someone has been trying to get into the house all night"])
def test_no_clear_case_saturates_an_emotion(scorer, text):
    result = scorer.score(text)
    assert result["dominant"] != "neutral"
    assert all(v < 0.95 for v in result["emotions"].values())


def test_the_same_message_scores_the_same_every_time(scorer):
    first = scorer.score(LADDERS[1][1])
    assert all(scorer.score(LADDERS[1][1]) == first for _ in range(3))
    assert scorer.score_many([ROUTINE, LADDERS[1][1]])[1] == first


MESSAGES = [ROUTINE, FLOOD_UNDERSTATEMENT, *BEREAVEMENT, *MILD_DISAPPOINTMENT, *(t for ladder in LADDERS for t in ladder)]
NOTHING_EDITS = [lambda t: t + " ", lambda t: " " + t, lambda t: t + "\n", lambda t: t.replace(" ", "  ", 1)]
# Edits that keep the meaning (a closing "Thanks." does not: it may rightly warm a routine message).
SMALL_EDITS = [lambda t: t.rstrip(".!?") + ".", lambda t: t.rstrip(".!?"), lambda t: t[0].lower() + t[1:],
               lambda t: t.replace("I am ", "I'm ").replace("I'm ", "I am ", 1)]


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(MESSAGES), st.sampled_from(NOTHING_EDITS))
def test_whitespace_edits_change_nothing(scorer, text, edit):
    assert scorer.score(edit(text)) == scorer.score(text)


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(MESSAGES), st.sampled_from(SMALL_EDITS))
def test_small_edits_move_intensity_and_valence_only_a_little(scorer, text, edit):
    before, after = scorer.score(text), scorer.score(edit(text))
    assert abs(after["intensity"] - before["intensity"]) <= 0.12
    assert abs(after["valence"] - before["valence"]) <= 0.2


@pytest.mark.parametrize("text", [LADDERS[0][2], LADDERS[2][2], BEREAVEMENT[0]])
def test_a_polite_thanks_does_not_turn_a_charged_message_calm(scorer, text):
    after = scorer.score(text + " Thanks.")
    # It stays negative and at least upset (the tone band the bot's validating replies start at).
    assert after["valence"] < 0 and after["intensity"] >= config.EMOTION_TONE_UPSET
