"""The escalation decision on hand-made score dicts (the scorer itself is tested in tests/emotion)."""
from __future__ import annotations

import pytest

from actions.escalation import Thresholds, Turn, decide_conversation, decide_message
from actions.escalation.decision import charged_words


def score(intensity: float, *, english: bool = True, cues: list[str] | None = None) -> dict:
    return {"intensity": intensity, "valence": -intensity, "is_english": english,
            "language": "en" if english else "fr", "cues": cues or [], "dominant": "frustration",
            "emotions": {"anger": 0.0, "frustration": intensity, "fear": 0.0, "sadness": 0.0,
                         "joy": 0.0, "confusion": 0.0}}


def test_calm_routine_message_does_not_escalate():
    assert decide_message(Turn("what documents do you need for a travel claim?", "documents_needed",
                               score(0.1))) is None


def test_explicit_request_escalates_at_once_even_when_calm():
    decision = decide_message(Turn("can I talk to a real person please", "request_human", score(0.1)))
    assert decision.trigger == "explicit_request" and decision.immediate


@pytest.mark.parametrize("text, category", [
    ("my dad passed away on sunday and I think he had life cover with you", "bereavement"),
    # Gentler words for a death are a bereavement too.
    ("my grandad is no longer with us and I don't know what to do about his car", "bereavement"),
    ("our son has sadly left us", "bereavement"),
    ("I lost my nan at the weekend", "bereavement"),
    ("my husband is in intensive care after the crash", "serious_injury_or_illness"),
    ("I lost my job and can't afford the premium this month", "financial_hardship"),
    ("someone opened a policy in my name, I think it's fraud", "fraud_or_threat"),
])
def test_vulnerability_is_found_in_the_words_even_without_the_intent(text, category):
    decision = decide_message(Turn(text, "file_claim", score(0.2)))
    assert decision.trigger == "vulnerability"
    assert decision.category == category
    assert decision.words.lower() in text.lower()
    assert decision.priority in ("high", "urgent")


def test_a_complaint_that_says_left_us_is_not_a_bereavement():
    decision = decide_message(Turn("the engineer has left us waiting three weeks", "make_complaint", score(0.2)))
    assert decision is None or decision.category != "bereavement"


@pytest.mark.parametrize("text", [
    "I've lost everything in the fire and honestly I feel like ending it all",
    "my husband died and I just want to end it all",  # the risk to life comes first, not the bereavement
    "I don't want to be alive anymore",
    "I keep thinking about hurting myself",
    "I can't go on like this",
    "my husband died and I can't go on without him",
])
@pytest.mark.parametrize("intent", ["file_claim", "disclose_hardship", "disclose_bereavement", "request_human"])
def test_a_risk_of_self_harm_is_urgent_whatever_else_the_message_says(text, intent):
    decision = decide_message(Turn(text, intent, score(0.3)))
    assert (decision.trigger, decision.category, decision.priority) == ("vulnerability", "self_harm", "urgent")
    assert decision.immediate


@pytest.mark.parametrize("text", [
    "I hurt myself when I slipped on the wet floor",
    "I can't go on holiday now my passport is lost",
    "when does my policy end, it's all so confusing",
    "this wait is killing me",
])
def test_everyday_phrases_are_not_read_as_self_harm(text):
    decision = decide_message(Turn(text, "inform", score(0.3)))
    assert decision is None or decision.category != "self_harm"


def test_a_risk_of_self_harm_ignores_the_cooldown_after_a_decline():
    turns = [Turn("hi", "greet", score(0.1)), Turn("no thanks", "handoff_decline", score(0.1)),
             Turn("I want to end it all", "inform", score(0.4))]
    decision = decide_conversation(turns, declines=1, turns_since_decline=0)
    assert decision.category == "self_harm"


def test_bereavement_is_urgent_priority():
    decision = decide_message(Turn("mum died last week", "disclose_bereavement", score(0.3)))
    assert decision.priority == "urgent"


def test_non_english_message_escalates_as_unsupported_language():
    decision = decide_message(Turn("mi coche fue robado anoche", None, score(0.3, english=False)))
    assert decision.trigger == "unsupported_language"


def test_declined_claim_and_large_loss_are_complex_cases():
    declined = decide_message(Turn("you declined my claim and I want to dispute it", None, score(0.3)))
    assert declined.trigger == "complex_case" and declined.category == "declined_or_disputed_claim"
    # A large loss needs a claim to be about (here the intent; see test_complex_case.py for the words).
    large = decide_message(Turn("the repairs are quoted at £23,500", "file_claim", score(0.2)))
    assert large.trigger == "complex_case" and large.signals["amount"] == 23500
    small = decide_message(Turn("the repair is about £250", None, score(0.2)))
    assert small is None


@pytest.mark.parametrize("text", [
    "This is the fourth time I've called about the same thing. FOURTH.",
    "third time I have asked for my policy documents",
    "I've emailed you five times about this",
    "how many more times do I have to explain the same thing",
    "I keep having to chase you for an answer",
])
def test_contacting_us_again_and_again_is_a_complex_case_even_when_calm(text):
    decision = decide_message(Turn(text, "make_complaint", score(0.4, cues=['repeated contact: "x"'])))
    assert decision.trigger == "complex_case" and decision.category == "repeated_contact"
    assert decision.priority == "high"  # the repeat cue raises normal to high


@pytest.mark.parametrize("text", [
    "is this the first time you've seen a claim like mine?",
    "I pay three times a year",
    "second time lucky, the upload worked",
])
def test_counting_without_chasing_is_not_repeated_contact(text):
    assert decide_message(Turn(text, "ask_question", score(0.2))) is None


def test_single_high_intensity_message_escalates_and_very_high_is_immediate():
    high = decide_message(Turn("this is ridiculous", "make_complaint", score(0.85)))
    assert high.trigger == "high_intensity" and not high.immediate
    very = decide_message(Turn("THIS IS A DISGRACE", "make_complaint", score(0.95)))
    assert very.immediate
    assert decide_message(Turn("a bit annoyed", "make_complaint", score(0.5))) is None


def test_waiting_cue_raises_priority():
    plain = decide_message(Turn("x", None, score(0.85)))
    waited = decide_message(Turn("x", None, score(0.85, cues=["waiting: three weeks"])))
    order = ["low", "normal", "high", "urgent"]
    assert order.index(waited.priority) > order.index(plain.priority)


def test_rising_distress_over_turns_escalates_though_no_single_message_is_extreme():
    turns = [Turn("hi", "greet", score(0.1)), Turn("still waiting", "claim_status", score(0.35)),
             Turn("no one called me", "claim_status_followup", score(0.55)),
             Turn("this is getting worse", "make_complaint", score(0.72))]
    decision = decide_conversation(turns)
    assert decision is not None and decision.trigger in ("rising_distress", "sustained_distress")


@pytest.mark.parametrize("latest_band, offered", [("mild", False), ("upset", True)])
def test_a_trend_offers_a_person_only_when_the_latest_message_is_not_mild(latest_band, offered):
    # The same climbing and sustained numbers; only the latest message's care band differs.
    turns = [Turn(f"message {i}", f"intent_{i}", {**score(level), "band": "upset", "check_in": False})
             for i, level in enumerate((0.58, 0.62, 0.66))]
    latest = turns[-1]
    turns[-1] = Turn(latest.text, latest.intent, {**latest.score, "band": latest_band})
    decision = decide_conversation(turns, Thresholds(intensity=0.99, immediate_intensity=0.99))
    assert (decision is not None and decision.trigger in ("rising_distress", "sustained_distress")) is offered


def test_one_charged_message_after_a_calm_one_is_not_a_rising_trend():
    turns = [Turn("it's Anya", "inform_name", score(0.04)), Turn("is storm damage covered", "ask_coverage", score(0.6))]
    assert decide_conversation(turns) is None


def test_sustained_distress_escalates():
    turns = [Turn(f"message {i}", f"intent_{i}", score(0.62)) for i in range(3)]
    assert decide_conversation(turns).trigger == "sustained_distress"


def test_calm_conversation_never_escalates():
    turns = [Turn(f"question {i}", f"intent_{i}", score(0.1 + 0.02 * i)) for i in range(6)]
    assert decide_conversation(turns) is None


def test_two_fallbacks_in_a_row_are_a_loop():
    turns = [Turn("asdf", "nlu_fallback", score(0.1)), Turn("qwerty", "nlu_fallback", score(0.1))]
    assert decide_conversation(turns).trigger == "loop"


def test_two_different_questions_of_the_same_kind_are_not_a_loop():
    turns = [Turn("what does home insurance cover", "ask_coverage", score(0.1)),
             Turn("and is my car covered abroad", "ask_coverage", score(0.1))]
    assert decide_conversation(turns) is None


def test_the_same_request_twice_is_a_loop_but_two_yeses_are_not():
    same = [Turn("change my address", "update_contact_details", score(0.2)),
            Turn("I already told you, change the address", "update_contact_details", score(0.3))]
    assert decide_conversation(same).trigger == "loop"
    yeses = [Turn("yes", "affirm", score(0.0)), Turn("yes", "affirm", score(0.0))]
    assert decide_conversation(yeses) is None


def test_after_a_decline_the_next_offer_comes_sooner_but_not_at_once():
    moderate = [Turn("this is annoying", "make_complaint", score(0.74))]
    assert decide_conversation(moderate) is None
    assert decide_conversation(moderate, declines=1, turns_since_decline=1) is None
    assert decide_conversation(moderate, declines=1, turns_since_decline=3).trigger == "high_intensity"


def test_request_and_vulnerability_ignore_the_cooldown():
    turns = [Turn("get me a human", "request_human", score(0.2))]
    assert decide_conversation(turns, declines=1, turns_since_decline=0).trigger == "explicit_request"


def test_thresholds_never_drop_below_their_floor():
    lowered = Thresholds().lowered(20)
    assert lowered.intensity == 0.5 and lowered.sustained_level == 0.35


def test_the_words_mirrored_are_the_clause_that_carries_the_feeling_not_the_polite_preamble():
    text = "Sorry to bother you, I know you're busy, but I haven't slept since the fire and I don't know what to do."
    cues = ['model: remorse 0.70', 'damage to home: "since the fire"', 'fear words: "haven\'t slept"']
    decision = decide_message(Turn(text, "file_claim", score(0.85, cues=cues)))
    assert decision.trigger == "high_intensity"
    assert decision.words == "I haven't slept since the fire and I don't know what to do."


def test_the_sentence_with_most_cues_is_chosen():
    text = "I reported the water damage THREE WEEKS ago and nobody has called me. This is ridiculous."
    cues = ['waiting time: "THREE WEEKS ago"', 'negation: "nobody"', 'charged words: "ridiculous"']
    assert charged_words(text, score(0.9, cues=cues)) == \
        "I reported the water damage THREE WEEKS ago and nobody has called me."


@pytest.mark.parametrize("text, cues", [
    ("I haven't slept since the fire", ['fear words: "haven\'t slept"']),  # one clause: all of it
    ("Sorry to bother you. This is all too much.", ["model: sadness 0.8"]),  # no cue words to follow
    ("Sorry. I'm so upset.", ['fear words: "terrified"']),  # cue words in no clause
    ("", ['fear words: "x"']),
])
def test_without_a_clear_clause_the_whole_message_is_kept(text, cues):
    assert charged_words(text, score(0.9, cues=cues)) == text


# --- figures of speech and general questions (judgement set, session 3) ---

@pytest.mark.parametrize("text", [
    "I nearly died laughing at your hold music",
    "I died of embarrassment when the assessor saw the state of the loft",
    "I'm dying to know if you're a real person",
    "I've been waiting three hours for the GP surgery to call me back",
    "the vet's surgery says the dog is fine",
])
def test_a_figure_of_speech_is_not_a_vulnerability(text):
    assert decide_message(Turn(text, "small_talk", score(0.1))) is None


@pytest.mark.parametrize("text, category", [
    ("my dad died laughing at the telly, then had a heart attack a week later", "serious_injury_or_illness"),
    ("my mum died of a stroke last night", "bereavement"),
    ("she had surgery on her spine yesterday", "serious_injury_or_illness"),
])
def test_the_event_beside_a_figure_of_speech_is_still_read(text, category):
    decision = decide_message(Turn(text, "inform", score(0.2)))
    assert decision.trigger == "vulnerability" and decision.category == category


@pytest.mark.parametrize("text", [
    "How do you work out what my car is worth if it's written off?",
    "What's the Financial Ombudsman and when can I go to them?",
])
def test_a_general_question_is_answered_not_escalated_as_a_complex_case(text):
    assert decide_message(Turn(text, "ask_question", score(0.1))) is None
    # The same words as the customer's own case are one.
    assert decide_message(Turn(text, "make_complaint", score(0.1))).trigger == "complex_case"
