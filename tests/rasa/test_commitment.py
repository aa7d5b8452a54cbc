"""Evidence before commitment (rasa_addons/commitment.py): a claim or cancellation guess stands only when
the message's words back it; otherwise the guard's reading replaces it."""
from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from rasa_addons.commitment import (
    CLAIM_QUESTION, CLAIM_STATUS, CLARIFY_CLAIM, CLARIFY_POLICY, COMPLAINT, OTHER_COMPANY, SWITCHING_QUESTION, WITHDRAWN,
    default_rules, guarded_intent, read_commitment,
)
from tests.rasa.test_intent_evidence import nlu_examples

RULES = default_rules()


def reading(intent: str, text: str, confidence: float = 0.95) -> str | None:
    found = read_commitment(intent, confidence, text, RULES)
    return found.intent if found else None


# (intent guessed, message, reading expected): written for these tests, of each failure kind in issue #16.
READINGS = [
    # another company beside an incident we may cover is asked about; leaving for another insurer is switching
    ("other_company", "we had a leak under the sink on Tuesday, the plumber is booked for Friday", CLARIFY_POLICY),
    ("other_company", "the courier says my parcel was stolen from the doorstep", CLARIFY_POLICY),
    ("other_company", "the delivery company lost my parcel again", None),
    # another company lost or damaged something we may insure: our cover may still concern it (session 4)
    ("other_company", "the airline has lost our luggage and nobody at the desk knows anything", CLARIFY_POLICY),
    ("other_company", "the scaffolders smashed the conservatory roof and won't pay", CLARIFY_POLICY),
    ("other_company", "the tour operator cancelled our holiday two days before we flew", CLARIFY_POLICY),
    ("make_complaint", "the removals company damaged all our stuff, absolute cowboys", CLARIFY_POLICY),
    ("other_company", "the courier lost my parcel and the shop won't refund me", None),
    ("other_company", "my phone company damaged my credit score", None),
    ("make_complaint", "the delivery driver was rude and damaged my patience", OTHER_COMPANY),
    ("ask_price_increase", "I'm leaving you lot for Admiral, they're half the price", SWITCHING_QUESTION),
    # our repairer, assessor or approval holds up a claim: a status check, not another company's problem (session 4)
    ("other_company", "the bodyshop says it can't order parts without the go-ahead from you", CLAIM_STATUS),
    ("small_talk", "your assessor was meant to ring yesterday, typical", CLAIM_STATUS),
    ("out_of_scope", "been a month and your builders still haven't started on the ceiling", CLAIM_STATUS),
    ("other_company", "the garage down the road overcharged me for tyres", None),
    ("other_company", "my bank says they're waiting on the transfer", None),
    # a chase of an existing claim is claim status
    ("file_claim", "I sent all my documents for my claim ten days ago and heard nothing", CLAIM_STATUS),
    ("file_claim", "I emailed the photos for my claim last week and still haven't heard anything", CLAIM_STATUS),
    ("file_claim", "we made a claim after the storm and nobody has been in touch", CLAIM_STATUS),
    ("file_claim", "Chasing the claim I put in for the burst pipe, any update?", CLAIM_STATUS),
    # saying it is not a new claim is a status check
    ("file_claim", "it's not a new claim, I'm asking about the burst pipe one from June", CLAIM_STATUS),
    ("file_claim", "I don't want to start a new claim, I need an update on the old one", CLAIM_STATUS),
    ("file_claim", "checking on my claim for the stolen laptop please", CLAIM_STATUS),
    # a question or what-if is not an incident
    ("file_claim", "Is it worth claiming for a small scratch?", CLAIM_QUESTION),
    ("file_claim", "should I claim for this?", CLAIM_QUESTION),
    ("file_claim", "should I bother claiming for a broken fence?", CLAIM_QUESTION),
    ("file_claim", "what happens if my car is stolen?", CLAIM_QUESTION),
    ("file_claim", "I'd sooner lose the car than the house", CLAIM_QUESTION),
    ("file_claim", "If someone breaks into the shed, am I covered?", CLAIM_QUESTION),
    ("file_claim", "would I be covered if a tree fell on the car", CLAIM_QUESTION),
    ("file_claim", "will it affect my no claims if I claim for the bumper", CLAIM_QUESTION),
    ("file_claim", "just in case, how does a claim work", CLAIM_QUESTION),
    ("file_claim", "I think I might need to claim but I'm not sure", CLAIM_QUESTION),
    ("file_claim", "we may have to claim for the fence, or maybe not", CLAIM_QUESTION),
    ("file_claim", "my car was stolen last night, I might need to claim", None),
    # an incident that has happened stays a claim, even with a question
    ("file_claim", "my car was stolen last night, should I claim?", None),
    ("file_claim", "we've had a flood in the kitchen, what happens if the floor needs replacing?", None),
    ("file_claim", "my bike got stolen yesterday, is it worth claiming?", None),
    # a complaint about another company's service is theirs
    ("make_complaint", "the delivery company lost my parcel again, absolutely useless", OTHER_COMPANY),
    ("make_complaint", "my broadband has been down for a week and nobody at the provider cares", OTHER_COMPANY),
    ("make_complaint", "the booking app for my gym is rubbish, it crashed on Friday", OTHER_COMPANY),
    ("make_complaint", "the cab driver shouted at me the whole way home", OTHER_COMPANY),
    ("make_complaint", "still waiting for the GP to ring me back, two days now", OTHER_COMPANY),
    # a price rise of another company's is theirs; ours stays ours
    ("ask_price_increase", "my energy bill has gone up again, it's a joke", OTHER_COMPANY),
    ("ask_price_increase", "my phone contract went up 20% at renewal, can they do that?", OTHER_COMPANY),
    ("ask_price_increase", "why has my renewal gone up so much?", None),
    ("ask_price_increase", "the renewal for my car went up by £200 and my phone contract by £5", None),
    # a complaint naming something of ours stays ours
    ("make_complaint", "your app keeps crashing and I'm sick of it", None),
    ("make_complaint", "the courier you sent for my claim never turned up", None),
    ("make_complaint", "nobody has called me back about the parcel of documents for my policy", None),
    # cancelling another company's product is theirs
    ("cancel_policy", "I want to cancel my phone contract", OTHER_COMPANY),
    ("cancel_policy", "how do I cancel my gym membership", OTHER_COMPANY),
    ("cancel_policy", "cancel the Netflix subscription please", OTHER_COMPANY),
]


@pytest.mark.parametrize("intent, text, expected", READINGS)
def test_the_guard_reads_each_message_by_its_words(intent, text, expected):
    assert reading(intent, text) == expected


def test_a_new_claim_after_an_old_one_stays_a_new_claim():
    assert reading("file_claim", "I'm still waiting on my claim but I need to make a new claim for the flood") is None


def test_a_claim_named_without_new_or_existing_is_asked_about():
    assert reading("file_claim", "I want to talk about my claim") == CLARIFY_CLAIM
    assert reading("file_claim", "I want to make a claim") is None
    assert reading("file_claim", "I want to start a new claim, my other claim is fine") is None


@pytest.mark.parametrize("text, expected", [
    ("need help with a claim", CLARIFY_CLAIM),
    ("hi, I've got a question about a claim", CLARIFY_CLAIM),
    ("I need help making a new claim", None),  # a new claim asked for
    ("need help with a claim, a tree came down on the garage", None),  # an incident told
    ("need help with a claim, someone reversed into me", None),  # an incident sign
    ("need help with a claim, it happened yesterday", None),
])
def test_a_claim_named_only_as_the_topic_is_asked_about(text, expected):
    assert reading("file_claim", text) == expected


@pytest.mark.parametrize("intent, text, expected", [
    ("small_talk", "you said someone would call on Tuesday. It's Friday.", COMPLAINT),
    ("out_of_scope", "was supposed to call me back yesterday, nothing", COMPLAINT),
    ("ask_question", "nobody rang me back like they promised", COMPLAINT),
    ("small_talk", "someone would call me back, they said, and then... nothing lol", COMPLAINT),
    ("small_talk", "my claim: someone would call me, they said", CLAIM_STATUS),  # the claim named: a chase
    ("small_talk", "haha my mum said she would call", None),  # not a call from us
    ("request_human", "you said someone would call me", None),  # not a chase_from guess
    ("other_company", "the estate agent said they would call and nobody did", None),  # theirs
    ("other_company", "your team said they would call and nobody did", COMPLAINT),  # ours named
])
def test_a_call_back_that_never_came_is_our_failing(intent, text, expected):
    assert reading(intent, text) == expected


# min_confidence_without_evidence is 0.6: pinned just below, at and above, for a message with no words of
# an incident or a claim, and shown not to matter once the words are there.
@pytest.mark.parametrize("confidence, expected", [(0.59, CLARIFY_POLICY), (0.6, None), (0.61, None)])
def test_an_unbacked_claim_guess_is_asked_about_below_the_threshold(confidence, expected):
    assert RULES.min_confidence == 0.6
    assert reading("file_claim", "my phone network has been down all day", confidence) == expected


@pytest.mark.parametrize("confidence", [0.2, 0.59])
def test_words_of_an_incident_back_a_low_guess(confidence):
    assert reading("file_claim", "a tree came down on the garage", confidence) is None
    assert reading("file_claim", "my windscreen is cracked", confidence) is None


@pytest.mark.parametrize("confidence, expected", [(0.59, CLARIFY_POLICY), (0.6, None)])
def test_an_unbacked_cancellation_is_asked_about_below_the_threshold(confidence, expected):
    assert reading("cancel_policy", "it's just not working for me", confidence) == expected
    assert reading("cancel_policy", "I want to cancel", confidence) is None


@pytest.mark.parametrize("intent", ["cancel_policy", "make_complaint", "out_of_scope"])
def test_moving_to_another_insurer_is_a_switching_question(intent):
    assert reading(intent, "I'm thinking of moving to another insurer, how do I do that?") == SWITCHING_QUESTION


def test_leaving_now_stays_a_cancellation():
    assert reading("cancel_policy", "I've switched to another insurer, please cancel my policy") is None
    assert reading("cancel_policy", "I've sold the car and gone with a new provider") is None


@pytest.mark.parametrize("text", ["I want to cancel my policy", "cancel my car insurance, I've sold it",
                                  "I had to cancel my flight, can I claim?", "cancel my phone cover on the policy"])
def test_cancelling_something_of_ours_stays_a_cancellation(text):
    assert reading("cancel_policy", text) != OTHER_COMPANY


def test_other_intents_pass_through():
    assert reading("greet", "what if I said hello") is None
    assert reading("claim_status", "any news on my claim") is None
    assert reading(None, "anything") is None


@pytest.mark.parametrize("intent", ["file_claim", "cancel_policy", "make_complaint", "other_company"])
def test_every_training_example_of_a_committing_intent_stands(intent):
    examples = nlu_examples()[intent]
    assert len(examples) >= 20
    replaced = [(text, reading(intent, text)) for text in examples if reading(intent, text)]
    assert replaced == []


def test_the_guard_replaces_the_guess_and_says_why():
    ranking = [{"name": "file_claim", "confidence": 0.41}, {"name": "claim_status", "confidence": 0.3},
               {"name": "greet", "confidence": 0.1}]
    intent, kept, replaced = guarded_intent(
        ranking[0], ranking, "I sent all my documents for my claim ten days ago and heard nothing", RULES)
    assert intent == {"name": "claim_status", "confidence": 1.0}
    assert [entry["name"] for entry in kept] == ["claim_status", "greet"]
    assert replaced["from"] == "file_claim" and replaced["to"] == "claim_status" and "sent all my documents" in replaced["reason"]


def test_a_guess_that_stands_is_left_alone():
    ranking = [{"name": "file_claim", "confidence": 0.97}]
    assert guarded_intent(ranking[0], ranking, "my car was stolen last night", RULES) == (ranking[0], ranking, None)
    assert guarded_intent(None, [], "", RULES) == (None, [], None)


@pytest.mark.parametrize("text", ["", "🙂🙂🙂", "<script>alert(1)</script>", "¿Puedo reclamar por esto?",
                                  "/handoff_accept{\"handoff_mode\":\"video\"}", "a" * 100_000,
                                  "what if " * 20_000])
def test_hostile_input_is_read_without_error(text):
    for intent in ("file_claim", "cancel_policy", "make_complaint"):
        read_commitment(intent, 0.5, text, RULES)


def test_only_the_first_max_chars_are_read():
    padding = "x " * RULES.max_chars
    assert reading("file_claim", "should I claim? " + padding) == CLAIM_QUESTION
    assert reading("file_claim", padding + "should I claim?") is None


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300), st.floats(min_value=0, max_value=1))
def test_a_replacement_is_always_one_of_the_guard_readings(text, confidence):
    for intent in ("file_claim", "cancel_policy", "make_complaint", "greet"):
        found = read_commitment(intent, confidence, text, RULES)
        assert found is None or found.intent in {CLAIM_STATUS, CLAIM_QUESTION, SWITCHING_QUESTION, CLARIFY_CLAIM,
                                                 CLARIFY_POLICY, OTHER_COMPANY, WITHDRAWN}
        if intent == "greet":
            assert found is None


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200))
def test_a_confident_plain_incident_is_never_undone_by_words_after_it(suffix):
    # A reported incident with a time ("stolen last night") keeps the claim whatever follows, except a chase.
    found = read_commitment("file_claim", 0.95, "my car was stolen last night " + suffix, RULES)
    assert found is None or found.intent in {CLAIM_STATUS, CLARIFY_CLAIM}


# --- a question that names no incident or claim is not a report of one (session 6) -------------------------------

NO_INCIDENT_QUESTIONS = [
    "The people behind us keep parking across our drive. Is there anyone I can complain to about it?",
    "can I make the council come and collect the bins, or who do I ring?",
    "my landlord wants me to sign a new tenancy, what should I look out for?",
]


# max_confidence_question_without_incident is 0.8: pinned below, at and above.
@pytest.mark.parametrize("confidence, expected", [(0.65, WITHDRAWN), (0.79, WITHDRAWN), (0.8, None), (0.81, None)])
def test_a_question_with_no_incident_withdraws_a_claim_guess_below_the_threshold(confidence, expected):
    assert RULES.max_question_confidence == 0.8
    for text in NO_INCIDENT_QUESTIONS:
        assert reading("file_claim", text, confidence) == expected


@pytest.mark.parametrize("text", [
    "someone drove into my parked car and left, what should I do?",  # an incident sign
    "the bathroom ceiling is dripping, who do I call?",  # a claim word (ceiling)
    "we were burgled while away, what happens now?",  # an incident sign
    "my car was stolen last night, what do I do?",  # happened
    "how do I make a claim?",  # a claim named: not withdrawn here (other readings decide)
])
def test_a_question_after_an_incident_keeps_its_claim(text):
    assert reading("file_claim", text, 0.7) != WITHDRAWN


def test_a_statement_with_no_incident_is_not_withdrawn():
    # Only a question's form withdraws the guess; a statement goes to the readings above (0.6 asks, higher stands).
    assert reading("file_claim", "the people behind us keep parking across our drive", 0.7) is None


# --- something of ours is never another company's problem (session 6) ---------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("your app keeps logging me out", CLARIFY_POLICY),
    ("the payment page on your site froze halfway", CLARIFY_POLICY),
    ("my bank won't let the payment for my renewal through", CLARIFY_POLICY),
    ("my bank blocked my card for no reason", None),  # theirs
    ("can you believe the courier lost it again", None),  # "you" said to us about anyone
])
def test_an_other_company_guess_that_names_something_of_ours_is_asked_about(text, expected):
    assert reading("other_company", text) == expected


def test_yours_is_read_only_for_an_other_company_guess():
    assert RULES.yours_from == frozenset({"other_company"})
    assert reading("make_complaint", "your app keeps logging me out") is None


@pytest.mark.parametrize("text", ["wnat to make a clam", "i need to put in a claim for my glasses",
                                  "I'd like to make a claim please",
                                  "need to file a cliam for the fence"])
@pytest.mark.parametrize("confidence", [0.3, 0.82, 0.99])
def test_an_off_topic_guess_that_asks_for_a_claim_in_words_is_a_claim(text, confidence):
    found = read_commitment("out_of_scope", confidence, text, RULES)
    assert found is not None and found.intent == "file_claim"


def test_a_claim_asked_for_in_words_is_still_read_as_a_claim_guess_would_be():
    assert reading("out_of_scope", "Not a new claim, I want to make a claim follow-up on CLM-12345") == CLAIM_STATUS


@pytest.mark.parametrize("text", ["do I need to make a claim for a scratch?", "should I file a claim or not?",
                                  "the claim I made last year", "I claim the last biscuit", "clam chowder recipe",
                                  # a polite request is shaped like a question: left to the readers (a limit)
                                  "can you start a claim for me",
                                  # hedged: a question about claiming, not a claim to start
                                  "I might make a claim, not sure yet", "I may need to make a claim if it gets worse",
                                  "what if I make a claim and it goes up", "thinking I might have to make a claim"])
def test_a_question_or_no_request_is_left_to_the_readers_after_the_guard(text):
    assert read_commitment("out_of_scope", 0.8, text, RULES) is None


@pytest.mark.parametrize("intent", ["small_talk", "other_company", "ask_question", "greet"])
def test_only_an_off_topic_guess_is_read_for_a_claim_asked_for(intent):
    found = read_commitment(intent, 0.5, "I want to make a claim", RULES)
    assert found is None or found.intent != "file_claim"


@pytest.mark.parametrize("text", ["I've been charged twice for the renewal", "you took the premium twice this month",
                                  "Wrong amount taken this month", "I think I've been over-charged",
                                  "there's a payment from you I didn't authorise",
                                  "you billed me double and still haven't refunded it"])
@pytest.mark.parametrize("confidence", [0.3, 0.99])
def test_a_problem_with_a_payment_we_took_is_a_complaint_not_a_how_to(text, confidence):
    assert reading("ask_payment", text, confidence) == "make_complaint"


@pytest.mark.parametrize("text", ["how do I pay my premium", "can I pay twice a year instead of monthly?",
                                  "when will I get my refund", "can I change my payment date",
                                  "is there a fee for paying monthly"])
def test_a_question_about_paying_stays_a_payment_question(text):
    assert reading("ask_payment", text) is None


def test_a_payment_problem_is_read_only_from_a_payment_guess():
    assert reading("ask_renewal", "I've been charged twice for the renewal") != "make_complaint"


@pytest.mark.parametrize("intent", ["ask_question", "out_of_scope", "small_talk", "other_company"])
@pytest.mark.parametrize("text", [
    "our bike was nicked in spring and we claimed at once, you said yes but we haven't seen a penny",
    "I reported the leak a month ago and still no word from anyone",
    "sent you everything for the windscreen weeks ago, haven't received anything",
])
def test_a_chase_of_an_existing_claim_is_a_status_check_whatever_the_guess(intent, text):
    assert reading(intent, text, 0.5) == CLAIM_STATUS


@pytest.mark.parametrize("text", ["I reported it to the police, what do I do now?",  # no chase word
                                  "I haven't received my documents",                  # no existing claim
                                  "still no word, I want to make a new claim for the fence"])  # a new claim
def test_without_both_words_or_with_a_new_claim_it_is_no_chase(text):
    assert reading("ask_question", text) != CLAIM_STATUS


@pytest.mark.parametrize("intent", ["ask_question", "out_of_scope", "small_talk", "other_company"])
def test_no_training_example_of_those_intents_is_read_as_a_chase(intent):
    assert [text for text in nlu_examples()[intent] if reading(intent, text) == CLAIM_STATUS] == []


@pytest.mark.parametrize("runner_up", ["make_complaint", "ask_price_increase"])
def test_another_company_tied_with_a_complaint_about_it_is_no_tie(runner_up):
    ranking = [{"name": "other_company", "confidence": 0.48}, {"name": runner_up, "confidence": 0.48}]
    intent, kept, why = guarded_intent(ranking[0], ranking, "the bus was late again this morning, I'm fed up", RULES)
    assert intent == {"name": "other_company", "confidence": 1.0} and why["to"] == "other_company"
    assert kept[0] == intent and kept[1]["name"] == runner_up


@pytest.mark.parametrize("text, runner_up", [
    ("the bus was late again this morning, I'm fed up", "small_talk"),    # a remark may be small talk: ask
    ("your app was down again this morning, I'm fed up", "make_complaint"),  # ours: the complaint may be ours
    ("nothing works and I'm fed up", "make_complaint"),                      # no company named
])
def test_the_tie_stands_for_another_runner_up_something_of_ours_or_no_company(text, runner_up):
    ranking = [{"name": "other_company", "confidence": 0.48}, {"name": runner_up, "confidence": 0.47}]
    intent, _, why = guarded_intent(ranking[0], ranking, text, RULES)
    assert why is None or why["to"] != "other_company" or intent["confidence"] != 1.0
