"""action_acknowledge_complaint mirrors what went wrong and how long the customer has waited."""
from __future__ import annotations

import pytest

from actions.complaints import ActionAcknowledgeComplaint, waited_for
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


@pytest.mark.parametrize(
    ("text", "expected"),
    [("waited 2 weeks", "2 weeks"), ("FIVE DAYS and nothing", "Five days"), ("a few months now", "A few months"),
     ("since last week", None), ("", None), (None, None)],
)
def test_waited_for(text, expected):
    assert waited_for(text) == expected
