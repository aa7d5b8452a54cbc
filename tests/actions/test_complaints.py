"""action_acknowledge_complaint mirrors what went wrong and how long the customer has waited."""
from __future__ import annotations

import pytest

from actions.complaints import ActionAcknowledgeComplaint, chased, claim_subject, waited_for
from tests.actions.helpers import responses

pytestmark = pytest.mark.anyio


async def test_mirrors_the_wait_and_the_incident(make_tracker, dispatcher, domain):
    text = "I reported the water damage THREE WEEKS ago and nobody has called me. This is ridiculous."
    tracker = make_tracker(text=text, intent="make_complaint", slots={"incident_type": "water damage"})
    events = await ActionAcknowledgeComplaint().run(dispatcher, tracker, domain)
    assert events == []
    [message] = dispatcher.messages
    assert message["response"] == "utter_complaint_acknowledge_wait"
    assert (message["incident"], message["waited"]) == ("water damage", "Three weeks")


async def test_mirrors_the_incident_alone(make_tracker, dispatcher, domain):
    tracker = make_tracker(text="the way you handled my burglary claim is a disgrace", intent="make_complaint")
    await ActionAcknowledgeComplaint().run(dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_complaint_acknowledge_incident"]
    assert dispatcher.messages[0]["incident"] == "burglary"


@pytest.mark.parametrize("text", ["I want to make a complaint", "", "😡😡😡", "x" * 10_000, "<b>3 weeks</b>"])
async def test_plain_acknowledgement_otherwise(make_tracker, dispatcher, domain, text):
    await ActionAcknowledgeComplaint().run(dispatcher, make_tracker(text=text, intent="make_complaint"), domain)
    assert responses(dispatcher) == ["utter_complaint_acknowledge"]


@pytest.mark.parametrize(("text", "response"), [
    # A price: acknowledged without owning a service failure.
    ("I'm not happy with the quote", "utter_complaint_acknowledge_price"),
    ("the renewal price is a joke", "utter_complaint_acknowledge_price"),
    ("my premium went up by 40% for no reason", "utter_complaint_acknowledge_price"),
    ("you quoted me £900 for a one-bed flat, are you having a laugh", "utter_complaint_acknowledge_price"),
    # A call back from us that never came: owned by name.
    ("you said someone would call on Tuesday. It's Friday.", "utter_complaint_acknowledge_call_back"),
    ("nobody rang me back like they promised", "utter_complaint_acknowledge_call_back"),
    # Neither: the plain acknowledgement.
    ("your staff were rude to me on the phone", "utter_complaint_acknowledge"),
    ("the questionnaire was confusing", "utter_complaint_acknowledge"),
    ("someone called me rudely on Tuesday", "utter_complaint_acknowledge"),
])
async def test_the_acknowledgement_names_what_went_wrong(make_tracker, dispatcher, domain, text, response):
    await ActionAcknowledgeComplaint().run(dispatcher, make_tracker(text=text, intent="make_complaint"), domain)
    assert responses(dispatcher) == [response]


def test_a_price_acknowledgement_owns_no_service_failure(domain):
    assert all("service" not in variant["text"] for variant in domain["responses"]["utter_complaint_acknowledge_price"])


@pytest.mark.parametrize(
    ("text", "expected"),
    [("waited 2 weeks", "2 weeks"), ("FIVE DAYS and nothing", "Five days"), ("a few months now", "A few months"),
     ("since last week", None), ("", None), (None, None)],
)
def test_waited_for(text, expected):
    assert waited_for(text) == expected


async def test_mirrors_having_to_chase_us_and_what_about(make_tracker, dispatcher, domain):
    # Found in a trial chat (session 6): this got the general "not the service you should get" line.
    text = ("I've been on hold three times this week about my boiler claim and nobody rings back. "
            "honestly at the end of my tether")
    await ActionAcknowledgeComplaint().run(dispatcher, make_tracker(text=text, intent="make_complaint"), domain)
    [message] = dispatcher.messages
    assert message["response"] == "utter_complaint_acknowledge_chased"
    assert (message["times"], message["subject"]) == ("three times this week", "your boiler claim")


async def test_chasing_without_a_subject_is_about_this(make_tracker, dispatcher, domain):
    await ActionAcknowledgeComplaint().run(dispatcher, make_tracker(text="I've rung 4 times already!!",
                                                                    intent="make_complaint"), domain)
    [message] = dispatcher.messages
    assert (message["response"], message["times"], message["subject"]) == (
        "utter_complaint_acknowledge_chased", "4 times already", "this")


async def test_a_named_claim_and_a_wait_are_said_back_together(make_tracker, dispatcher, domain):
    text = "still nothing on my boiler claim after 2 weeks"
    await ActionAcknowledgeComplaint().run(dispatcher, make_tracker(text=text, intent="make_complaint"), domain)
    [message] = dispatcher.messages
    assert (message["response"], message["incident"], message["waited"]) == (
        "utter_complaint_acknowledge_wait", "boiler claim", "2 weeks")


@pytest.mark.parametrize(("text", "expected"), [
    ("called twice", "twice"), ("I've emailed FIVE TIMES this month", "five times this month"),
    ("10 times now", "10 times now"), ("a few times", "a few times"), ("three weeks", None),
    ("sometimes it works", None), ("", None), (None, None),
    # A charge counted is not a chase (session 8), unless the customer also chased.
    ("why is my direct debit taken twice this month", None), ("you've charged me three times", None),
    ("the premium came out of my account twice", None),
    ("you took it twice and I've called twice about it", "twice")])
def test_chased(text, expected):
    assert chased(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("my boiler claim", "boiler claim"), ("the car claim", "car claim"), ("our new claim", None),
    ("my stupid water damage claim", "water damage claim"), ("I want to claim", None),
    ("I made the decision to claim", None), ("the excess I should claim", None), ("", None)])
def test_claim_subject(text, expected):
    assert claim_subject(text) == expected
