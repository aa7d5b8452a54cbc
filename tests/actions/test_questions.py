"""action_answer_question: a vetted answer with an opener for the kind and tone and its source; a choice
between two close entries; an honest "no checked answer" with a person offered; personal questions sent
to the policy actions."""
from __future__ import annotations

import pytest
from rasa_sdk.events import FollowupAction, SlotSet

from actions import questions
from actions.questions import ActionAnswerQuestion
from tests.actions.helpers import responses

pytestmark = pytest.mark.anyio

THRESHOLD, MARGIN, SURE = (questions.SETTINGS.answer_threshold, questions.SETTINGS.margin,
                           questions.SETTINGS.sure_score)
PARTNER = questions.KNOWLEDGE.get("motor-partner-driving")


def asked(make_tracker, text, matches, tone=None, entities=None, history=None):
    tracker = make_tracker(text=text, intent="ask_question", entities=entities, history=history,
                           slots={"emotion_tone": tone} if tone else None)
    tracker.latest_message["knowledge"] = {"matches": [{"id": i, "score": s} for i, s in matches]}
    return tracker


async def run(dispatcher, tracker, domain):
    return await ActionAnswerQuestion().run(dispatcher, tracker, domain)


async def test_a_strong_match_is_answered_with_its_source(make_tracker, dispatcher, domain):
    tracker = asked(make_tracker, "Can my partner drive my car on my policy?",
                    [("motor-partner-driving", 0.93), ("motor-friend-borrow", 0.71)])
    events = await run(dispatcher, tracker, domain)
    assert events == [SlotSet("kb_answer_id", "motor-partner-driving")]
    assert responses(dispatcher) == ["utter_kb_answer"]
    message = dispatcher.messages[0]
    assert message["kb_answer"] == PARTNER.answer  # a calm first question: no opener, the answer straight away
    assert message["kb_source"] == "From the Motor policy booklet, section 1.1 (Who can drive)."


@pytest.mark.parametrize("tone, opener", [
    ("distressed", "I'm sorry you're dealing with this. Here's where you stand."),
    ("at_risk", "I'm sorry you're dealing with this. Here's where you stand."),
    ("upset", "I understand why you want to be sure about this."),
    ("neutral", ""), ("mild", ""), ("positive", ""),
])
async def test_a_worried_cover_question_gets_reassurance_before_the_facts(make_tracker, dispatcher, domain,
                                                                         tone, opener):
    tracker = asked(make_tracker, "is my bike covered when I'm on holiday?", [("home-bike-on-holiday", 0.9)], tone)
    await run(dispatcher, tracker, domain)
    answer = questions.KNOWLEDGE.get("home-bike-on-holiday").answer
    assert dispatcher.messages[0]["kb_answer"] == f"{opener} {answer}".strip()


async def test_openers_vary_from_one_answer_to_the_next(make_tracker, dispatcher, domain):
    earlier = [{"event": "action", "name": "action_answer_question", "timestamp": 1763780000.0}]
    tracker = asked(make_tracker, "is my bike covered on holiday", [("home-bike-on-holiday", 0.9)], "upset",
                    history=earlier)
    await run(dispatcher, tracker, domain)
    assert dispatcher.messages[0]["kb_answer"].startswith("Let me give you a clear answer on that.")


@pytest.mark.parametrize("score, answered", [(THRESHOLD - 1e-4, False), (THRESHOLD, True), (THRESHOLD + 1e-4, True)])
async def test_only_a_match_at_or_above_the_threshold_is_answered(make_tracker, dispatcher, domain, score, answered):
    tracker = asked(make_tracker, "can my other half use my car", [("motor-partner-driving", score), ("general-fscs", 0.2)])
    events = await run(dispatcher, tracker, domain)
    if answered:
        assert events == [SlotSet("kb_answer_id", "motor-partner-driving")]
        assert responses(dispatcher) == ["utter_kb_answer"]
    else:
        assert events == [SlotSet("kb_answer_id", None)]
        assert responses(dispatcher) == ["utter_kb_no_answer"]


async def test_without_a_checked_answer_the_bot_says_so_and_offers_a_person(make_tracker, dispatcher, domain):
    tracker = asked(make_tracker, "do you insure racehorses", [("home-pet-damage", 0.41), ("motor-track-day", 0.40)])
    events = await run(dispatcher, tracker, domain)
    assert events == [SlotSet("kb_answer_id", None)]
    assert responses(dispatcher) == ["utter_kb_no_answer"]
    assert dispatcher.messages[0]["buttons"] == [{"title": "Talk to a person", "payload": "/request_human"}]
    for variant in domain["responses"]["utter_kb_no_answer"]:
        assert "colleague" in variant["text"] and "claims" in variant["text"]


async def test_no_retrieval_in_the_parse_data_is_no_answer(make_tracker, dispatcher, domain):
    events = await run(dispatcher, make_tracker(text="hello?", intent="ask_question"), domain)
    assert events == [SlotSet("kb_answer_id", None)] and responses(dispatcher) == ["utter_kb_no_answer"]


@pytest.mark.parametrize("gap, outcome", [(MARGIN - 0.001, "utter_clarify_kb_question"), (MARGIN, "utter_kb_answer")])
async def test_two_close_entries_make_a_choice(make_tracker, dispatcher, domain, gap, outcome):
    tracker = asked(make_tracker, "can my friend use my car", [("motor-friend-borrow", 0.72),
                                                                ("motor-partner-driving", 0.72 - gap)])
    events = await run(dispatcher, tracker, domain)
    assert responses(dispatcher) == [outcome]
    if outcome == "utter_clarify_kb_question":
        assert events == [SlotSet("kb_answer_id", None)]
        message = dispatcher.messages[0]
        assert message["kb_second"] == PARTNER.question
        assert [b["payload"] for b in message["buttons"]] == ['/ask_question{"kb_entry": "motor-friend-borrow"}',
                                                              '/ask_question{"kb_entry": "motor-partner-driving"}']


async def test_the_entry_chosen_from_a_button_is_answered(make_tracker, dispatcher, domain):
    tracker = asked(make_tracker, '/ask_question{"kb_entry": "motor-partner-driving"}', [],
                    entities=[{"entity": "kb_entry", "value": "motor-partner-driving"}])
    events = await run(dispatcher, tracker, domain)
    assert events == [SlotSet("kb_answer_id", "motor-partner-driving")]


async def test_a_typed_payload_with_an_unknown_entry_is_not_trusted(make_tracker, dispatcher, domain):
    tracker = asked(make_tracker, '/ask_question{"kb_entry": "<script>"}', [],
                    entities=[{"entity": "kb_entry", "value": "<script>"}])
    events = await run(dispatcher, tracker, domain)
    assert events == [SlotSet("kb_answer_id", None)] and responses(dispatcher) == ["utter_kb_no_answer"]


async def test_an_entry_missing_from_the_content_is_not_invented(make_tracker, dispatcher, domain):
    tracker = asked(make_tracker, "old question", [("retired-entry", 0.95)])
    events = await run(dispatcher, tracker, domain)
    assert events == [SlotSet("kb_answer_id", None)] and responses(dispatcher) == ["utter_kb_no_answer"]


@pytest.mark.parametrize("text, action", [("what's my excess?", "action_explain_coverage"),
                                          ("when does my home policy renew", "action_explain_renewal")])
async def test_questions_about_their_own_policy_go_to_the_policy_actions(make_tracker, dispatcher, domain, text, action):
    tracker = asked(make_tracker, text, [("general-excess-meaning", 0.9)])
    events = await run(dispatcher, tracker, domain)
    assert events == [SlotSet("kb_answer_id", None), FollowupAction(action)]
    assert dispatcher.messages == []


# A question the classifier read as a claim ("…can I claim?", knowledge/retrieval.yml offer_claim_after) is answered,
# then the claim is offered: not started, and not offered after any other answer.
@pytest.mark.parametrize("rescued_from, offered", [("file_claim", True), ("out_of_scope", False), (None, False)])
async def test_a_claim_asked_about_as_a_question_is_answered_then_offered(make_tracker, dispatcher, domain,
                                                                        rescued_from, offered):
    tracker = asked(make_tracker, "my case came off the carousel ripped open, can I claim?",
                    [("travel-lost-luggage", 0.82), ("travel-delayed-luggage", 0.61)])
    if rescued_from:
        tracker.latest_message["intent_rescued_from"] = rescued_from
    events = await run(dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_kb_answer"]
    expected = [SlotSet("kb_answer_id", "travel-lost-luggage")]
    assert events == (expected + [FollowupAction("utter_offer_claim_after_answer")] if offered else expected)


async def test_no_claim_is_offered_without_an_answer(make_tracker, dispatcher, domain):
    tracker = asked(make_tracker, "my case came off the carousel ripped open, can I claim?",
                    [("travel-lost-luggage", 0.70), ("travel-delayed-luggage", 0.69)])
    tracker.latest_message["intent_rescued_from"] = "file_claim"
    events = await run(dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_clarify_kb_question"]
    assert FollowupAction("utter_offer_claim_after_answer") not in events


def test_the_claim_offer_can_be_accepted_with_a_button(domain):
    for variant in domain["responses"]["utter_offer_claim_after_answer"]:
        assert [button["payload"] for button in variant["buttons"]] == ["/file_claim", "/deny"]


async def test_an_answer_the_retriever_gave_by_a_clear_lead_is_given(make_tracker, dispatcher, domain):
    # Under the answer threshold, but the retriever marked a clear lead (retrieval.yml `rescue_on_clear_lead`).
    text = "My son has got his provisional and wants to practise in my car at weekends. What do we need to do?"
    tracker = asked(make_tracker, text, [("motor-learner-driver", 0.83), ("motor-add-driver", 0.60)])
    tracker.latest_message["knowledge"]["matches"][0].update(dense=THRESHOLD - 0.02, lexical=0.4)
    tracker.latest_message["knowledge"]["matches"][1].update(dense=0.58, lexical=0.04)
    tracker.latest_message["knowledge"]["clear_lead"] = True
    assert await run(dispatcher, tracker, domain) == [SlotSet("kb_answer_id", "motor-learner-driver")]
    assert responses(dispatcher) == ["utter_kb_answer"]
    dispatcher.messages.clear()
    del tracker.latest_message["knowledge"]["clear_lead"]
    await run(dispatcher, tracker, domain)
    assert responses(dispatcher) != ["utter_kb_answer"]  # the same ranking unmarked: no checked answer
