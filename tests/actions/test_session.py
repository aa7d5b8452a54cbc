"""action_session_start and action_remember_name: the first name from the channel or the customer."""
from __future__ import annotations

import pytest
from rasa_sdk.events import ActionExecuted, SessionStarted, SlotSet

from actions.insurance.formats import clean_first_name
from actions.session import ActionRememberName, ActionSessionStart
from tests.actions.helpers import responses

pytestmark = pytest.mark.anyio


async def test_session_start_reads_the_rest_metadata_first_name(make_tracker, dispatcher, domain):
    tracker = make_tracker(slots={"session_started_metadata": {"first_name": "priya"}})
    events = await ActionSessionStart().run(dispatcher, tracker, domain)
    assert events == [
        SessionStarted(),
        SlotSet("customer_name", "Priya"),
        SlotSet("name_vocative", ", Priya"),
        ActionExecuted("action_listen"),
    ]
    assert dispatcher.messages == []


async def test_session_start_reads_socketio_custom_data(make_tracker, dispatcher, domain):
    tracker = make_tracker(slots={"session_started_metadata": {"customData": {"first_name": "Tom"}}})
    events = await ActionSessionStart().run(dispatcher, tracker, domain)
    assert events == [
        SessionStarted(), SlotSet("customer_name", "Tom"), SlotSet("name_vocative", ", Tom"),
        ActionExecuted("action_listen"),
    ]


async def test_session_start_falls_back_to_the_latest_message_metadata(make_tracker, dispatcher, domain):
    tracker = make_tracker(metadata={"first_name": "Margaret"})
    events = await ActionSessionStart().run(dispatcher, tracker, domain)
    assert SlotSet("customer_name", "Margaret") in events


async def test_session_start_carries_the_known_name_over(make_tracker, dispatcher, domain):
    tracker = make_tracker(slots={"customer_name": "Dafydd", "name_vocative": ", Dafydd", "customer_name_asked": True,
                                  "policy_number": "HOM-661204"})
    events = await ActionSessionStart().run(dispatcher, tracker, domain)
    assert events == [
        SessionStarted(),
        SlotSet("customer_name", "Dafydd"),
        SlotSet("name_vocative", ", Dafydd"),
        SlotSet("customer_name_asked", True),
        ActionExecuted("action_listen"),
    ]


@pytest.mark.parametrize("metadata", [None, {}, {"first_name": ""}, {"first_name": "<script>alert(1)</script>"},
                                      {"first_name": "😀😀"}, {"first_name": 42}, {"customData": "x"}])
async def test_session_start_without_a_usable_name_sets_nothing(make_tracker, dispatcher, domain, metadata):
    tracker = make_tracker(slots={"session_started_metadata": metadata})
    events = await ActionSessionStart().run(dispatcher, tracker, domain)
    assert events == [SessionStarted(), ActionExecuted("action_listen")]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Priya", "Priya"),
        ("my name is priya", "Priya"),
        ("I'm Tom", "Tom"),
        ("call me Bex", "Bex"),
        ("it's Mary-Jane", "Mary-Jane"),
        ("Seán O'Connor", "Seán"),
        ("o'connor", "O'connor"),
        ("<b>Priya</b>", "Priya"),
        ("<script>alert('x')</script>Zoë", "Zoë"),
        ("Łucja", "Łucja"),
        ("李伟", "李伟"),
        ("محمد", "محمد"),
        ("x" * 10_000, "X" + "x" * 39),
        ("", None),
        ("   ", None),
        ("😀🎉", None),
        ("12345", None),
        ("yes", None),
        ("<img src=x onerror=alert(1)>", None),
    ],
)
def test_clean_first_name(raw, expected):
    assert clean_first_name(raw) == expected


async def test_remember_name_sets_the_name_and_uses_it_at_once(make_tracker, dispatcher, domain):
    tracker = make_tracker(text="my name is <i>Aisha</i>", intent="inform_name")
    events = await ActionRememberName().run(dispatcher, tracker, domain)
    assert events == [
        SlotSet("customer_name", "Aisha"),
        SlotSet("name_vocative", ", Aisha"),
        SlotSet("customer_name_asked", True),
    ]
    assert responses(dispatcher) == ["utter_nice_to_meet_you"]
    assert dispatcher.messages[0]["name_vocative"] == ", Aisha"


@pytest.mark.parametrize("text", ["", "😀😀😀", "my name is", "<script></script>", "x" * 0])
async def test_remember_name_asks_again_when_no_name_is_found(make_tracker, dispatcher, domain, text):
    tracker = make_tracker(text=text, intent="inform_name")
    events = await ActionRememberName().run(dispatcher, tracker, domain)
    assert events == []
    assert responses(dispatcher) == ["utter_name_not_caught"]
