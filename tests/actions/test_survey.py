"""The TNPS survey: a score is stored with or without a comment, a skip before the score stores nothing,
and the score reader takes digits, words and "x out of 10" but nothing outside 0-10."""
from __future__ import annotations

import pytest
from rasa_sdk.events import ActiveLoop, FollowupAction, SlotSet
from sqlalchemy import select

from actions.handoff import outbox
from actions.handoff.outbox import HandoffWork
from actions.handoff.survey import (ActionGoodbye, ActionSkipTnps, ActionStoreTnps, ValidateTnpsForm, parse_score,
                                    something_to_rate)
from tests.actions.helpers import responses, user_event

pytestmark = pytest.mark.anyio
CLEARED = [SlotSet("tnps_asked", True), SlotSet("tnps_score", None), SlotSet("tnps_comment", None)]


@pytest.fixture
def flushed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The outbox keeps the survey; sending it to the handoff service is outbox.py's own business (tested there)."""
    calls: list[str] = []

    async def flush(conversation_id: str) -> None:
        calls.append(conversation_id)

    monkeypatch.setattr(outbox, "flush", flush)
    return calls


def kept_surveys(db_session) -> list[dict]:  # type: ignore[no-untyped-def]
    return [w.payload for w in db_session.scalars(select(HandoffWork).where(HandoffWork.kind == "survey"))]


async def test_a_score_with_a_comment_is_stored(make_tracker, dispatcher, domain, db_session, flushed):
    tracker = make_tracker(text="Sam was lovely", active_loop="tnps_form",
                           slots={"tnps_score": 9, "tnps_comment": "Sam was lovely", "handoff_resolved_ticket_id": 4})
    events = await ActionStoreTnps().run(dispatcher, tracker, domain)
    assert events == CLEARED
    assert responses(dispatcher) == ["utter_tnps_thanks"]
    assert kept_surveys(db_session) == [{"score": 9, "comment": "Sam was lovely", "ticket_id": 4}]
    assert flushed == [tracker.sender_id]


async def test_a_score_with_no_comment_from_the_form_is_stored(make_tracker, dispatcher, domain, db_session, flushed):
    tracker = make_tracker(text="nothing really", slots={"tnps_score": 0, "tnps_comment": "-"})
    await ActionStoreTnps().run(dispatcher, tracker, domain)
    assert kept_surveys(db_session) == [{"score": 0, "comment": None, "ticket_id": None}]


@pytest.mark.parametrize("text, intent", [("no", "deny"), ("skip", "stop"), ("no thanks", "deny")])
async def test_no_to_the_comment_question_stores_the_score_without_a_comment(make_tracker, dispatcher, domain,
                                                                            db_session, flushed, text, intent):
    # Regression (issue #20): "no" at the comment prompt went to the survey-declined rule, which dropped the score.
    tracker = make_tracker(text=text, intent=intent, active_loop="tnps_form",
                           slots={"tnps_score": 7, "requested_slot": "tnps_comment", "handoff_resolved_ticket_id": 12})
    events = await ActionSkipTnps().run(dispatcher, tracker, domain)
    assert events == [ActiveLoop(None), SlotSet("requested_slot", None), *CLEARED]
    assert responses(dispatcher) == ["utter_tnps_thanks"]
    assert kept_surveys(db_session) == [{"score": 7, "comment": None, "ticket_id": 12}]


async def test_skipping_before_a_score_stores_nothing(make_tracker, dispatcher, domain, db_session, flushed):
    tracker = make_tracker(text="skip", intent="stop", active_loop="tnps_form", slots={"requested_slot": "tnps_score"})
    events = await ActionSkipTnps().run(dispatcher, tracker, domain)
    assert events == [ActiveLoop(None), SlotSet("requested_slot", None), *CLEARED]
    assert responses(dispatcher) == ["utter_tnps_skipped"]
    assert kept_surveys(db_session) == [] and flushed == []


@pytest.mark.parametrize("text, score", [("0", 0), ("10", 10), ("11", None), ("7/10", 7),
                                         ("8 out of 10", 8), ("nine", 9), ("3.5", None), ("what is an excess?", None)])
def test_parse_score_bounds(text: str, score: int | None) -> None:
    assert parse_score(text) == score


async def test_a_question_is_not_a_score(make_tracker, dispatcher, domain):
    tracker = make_tracker(text="is my bike covered abroad?", active_loop="tnps_form")
    assert ValidateTnpsForm().validate_tnps_score("is my bike covered abroad?", dispatcher, tracker, domain) == {
        "tnps_score": None}
    assert responses(dispatcher) == ["utter_tnps_score_invalid"]


def test_score_prompt_offers_eleven_buttons_that_send_the_number(domain) -> None:
    for variant in domain["responses"]["utter_ask_tnps_score"]:
        assert [(b["title"], b["payload"]) for b in variant["buttons"]] == [(str(i), str(i)) for i in range(11)]


def test_questions_at_the_score_prompt_are_not_read_as_scores(domain) -> None:
    [mapping] = domain["slots"]["tnps_score"]["mappings"]
    assert {"ask_question", "ask_coverage", "stop", "deny"} <= set(mapping["not_intent"])


async def test_back_from_a_person_the_website_is_told_the_handoff_ended(make_tracker, dispatcher, domain):
    from actions.handoff.actions import ActionHandoffAbandoned, ActionHandoffResolved

    tracker = make_tracker(text='/EXTERNAL_handoff_resolved{"agent_name": "Sam"}', intent="EXTERNAL_handoff_resolved",
                           entities=[{"entity": "agent_name", "value": "Sam"}], slots={"handoff_ticket_id": 31})
    await ActionHandoffResolved().run(dispatcher, tracker, domain)
    assert dispatcher.messages[-1]["custom"] == {"data": {"handoff_ended": {"ticket_id": 31, "outcome": "resolved"}}}
    assert "I hope Sam could help" in dispatcher.messages[0]["text"]
    dispatcher.messages.clear()
    await ActionHandoffAbandoned().run(dispatcher, tracker, domain)
    assert dispatcher.messages[-1]["custom"] == {"data": {"handoff_ended": {"ticket_id": 31, "outcome": "abandoned"}}}


# --- action_goodbye: the score question only when there is something to rate (issue #16) ---

def _said(text: str, intent: str) -> dict:
    return user_event(text, intent)


@pytest.mark.parametrize("history", [
    [],
    [_said("hi", "greet")],
    [_said("hello", "greet"), _said("I'm Priya", "inform_name"), _said("thanks", "thank"), _said("are you a bot", "bot_challenge")],
])
async def test_a_goodbye_with_nothing_to_rate_is_only_a_goodbye(make_tracker, dispatcher, domain, history):
    tracker = make_tracker(text="bye", intent="goodbye", history=history)
    events = await ActionGoodbye().run(dispatcher, tracker, domain)
    assert events == []
    assert responses(dispatcher) == ["utter_goodbye"]


@pytest.mark.parametrize("intent", ["ask_question", "claim_status", "ask_coverage", "make_complaint"])
async def test_after_a_request_the_goodbye_asks_for_a_score(make_tracker, dispatcher, domain, intent):
    tracker = make_tracker(text="bye", intent="goodbye", history=[_said("hi", "greet"), _said("something", intent)])
    events = await ActionGoodbye().run(dispatcher, tracker, domain)
    assert events == [FollowupAction("tnps_form")]
    assert dispatcher.messages == []


async def test_the_score_is_asked_once(make_tracker, dispatcher, domain):
    tracker = make_tracker(text="bye", intent="goodbye", slots={"tnps_asked": True},
                           history=[_said("what does my home insurance cover", "ask_coverage")])
    assert await ActionGoodbye().run(dispatcher, tracker, domain) == []
    assert responses(dispatcher) == ["utter_goodbye"]


def test_the_goodbye_itself_is_not_something_to_rate(make_tracker):
    # Only messages BEFORE the goodbye count: a goodbye read as another intent must not rate itself.
    assert not something_to_rate(make_tracker(text="bye", intent="ask_question"))
    assert something_to_rate(make_tracker(text="bye", intent="goodbye", history=[_said("x", "ask_question")]))
