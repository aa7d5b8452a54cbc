"""action_assess_message acts on the care band: the tone slot, the offer of a person, the safety lines."""
from __future__ import annotations

import pytest
from rasa_sdk.events import SlotSet

from actions.emotion import EMOTIONS
from actions.escalation import Turn, decide_message
from actions.turn import ActionAssessMessage

pytestmark = pytest.mark.anyio


def emotion(band: str, intensity: float, *, tone: str = "neutral", check_in: bool = False,
            valence: float = -0.5) -> dict:
    return {"available": True, "intensity": intensity, "valence": valence, "tone": tone, "dominant": "neutral",
            "is_english": True, "language": "en", "emotions": {e: 0.0 for e in EMOTIONS}, "cues": [],
            "band": band, "band_reasons": ["test"], "check_in": check_in}


async def assess(make_tracker, dispatcher, domain, text, score, intent="inform"):
    tracker = make_tracker(text=text, intent=intent, emotion=score)
    events = await ActionAssessMessage().run(dispatcher, tracker, domain)
    assert dispatcher.messages == []  # only slots: the reply is chosen by Rasa from them
    return events


async def test_a_joke_is_mild_and_gets_no_offer_however_charged(make_tracker, dispatcher, domain):
    events = await assess(make_tracker, dispatcher, domain, "this looks staged lol", emotion("mild", 0.95))
    assert events == [SlotSet("emotion_tone", "mild")]


async def test_a_clearly_positive_mild_message_sets_positive(make_tracker, dispatcher, domain):
    events = await assess(make_tracker, dispatcher, domain, "thank you so much",
                          emotion("mild", 0.5, tone="positive", valence=0.9))
    assert events == [SlotSet("emotion_tone", "positive")]


async def test_upset_below_the_escalation_intensity_gets_validation_not_a_person(make_tracker, dispatcher, domain):
    events = await assess(make_tracker, dispatcher, domain, "Absolutely unacceptable.", emotion("upset", 0.72))
    assert events == [SlotSet("emotion_tone", "upset")]


async def test_distressed_offers_a_person(make_tracker, dispatcher, domain):
    text = "I haven't slept since the break-in and I feel sick every night."
    events = await assess(make_tracker, dispatcher, domain, text, emotion("distressed", 0.6))
    decision = {"trigger": "high_intensity", "words": text, "priority": "normal", "immediate": False,
                "category": "", "signals": {"intensity": 0.6, "cues": [], "band": "distressed"}}
    assert events == [SlotSet("emotion_tone", "distressed"), SlotSet("handoff_trigger", "high_intensity"),
                      SlotSet("handoff_decision", decision)]


async def test_low_mood_gets_the_check_in_not_an_offer(make_tracker, dispatcher, domain):
    events = await assess(make_tracker, dispatcher, domain, "I just feel numb lately",
                          emotion("distressed", 0.6, check_in=True))
    assert events == [SlotSet("emotion_tone", "distressed")]


@pytest.mark.parametrize("text, category, words", [
    ("he's outside the house right now and threatening me", "threat", "he's outside"),
    ("I don't see the point of anything any more", "self_harm", "don't see the point of anything"),
    ("the kitchen is on fire and my kids are upstairs", "danger_now", "kitchen is on fire"),
])
async def test_at_risk_sets_the_band_and_the_safety_first_decision(make_tracker, dispatcher, domain,
                                                                    text, category, words):
    events = await assess(make_tracker, dispatcher, domain, text, emotion("at_risk", 0.3))
    decision = {"trigger": "vulnerability", "words": words, "priority": "urgent", "immediate": True,
                "category": category, "signals": {}}
    assert events == [SlotSet("emotion_tone", "at_risk"), SlotSet("handoff_trigger", "vulnerability"),
                      SlotSet("handoff_decision", decision)]


async def test_without_a_score_the_tone_is_mild_and_risk_words_still_count(make_tracker, dispatcher, domain):
    tracker = make_tracker(text="I want to end it all", intent="inform", emotion={"available": False})
    events = await ActionAssessMessage().run(dispatcher, tracker, domain)
    assert events[0] == SlotSet("emotion_tone", "mild")
    assert events[2]["value"]["category"] == "self_harm"


@pytest.mark.parametrize("intensity, offered", [(0.79, False), (0.8, True), (0.81, True)])
def test_an_upset_message_is_offered_a_person_from_the_escalation_intensity(intensity, offered):
    decision = decide_message(Turn("this is ridiculous", "make_complaint", emotion("upset", intensity)))
    assert (decision is not None and decision.trigger == "high_intensity") is offered


@pytest.mark.parametrize("band, offered", [("mild", False), ("upset", False), ("distressed", True)])
def test_below_the_escalation_intensity_only_distressed_is_offered_a_person(band, offered):
    assert (decide_message(Turn("about my claim", "inform", emotion(band, 0.5))) is not None) is offered


def test_a_mild_message_is_never_offered_a_person_for_its_intensity():
    assert decide_message(Turn("gutted my team lost :(", "inform", emotion("mild", 1.0))) is None
