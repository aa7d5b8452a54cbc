"""The first name from the channel (on the customer's turn) or from the customer (action_remember_name)."""
from __future__ import annotations

import pytest
from rasa_sdk.events import SlotSet

from actions.insurance.formats import clean_first_name
from actions.session import ActionRememberName
from actions.turn import ActionAssessMessage
from tests.actions.helpers import responses

pytestmark = pytest.mark.anyio


async def test_the_channels_first_name_is_taken_on_the_customers_turn(make_tracker, dispatcher, domain):
    tracker = make_tracker(metadata={"first_name": "priya"})
    events = await ActionAssessMessage().run(dispatcher, tracker, domain)
    assert events == [SlotSet("emotion_tone", "mild"), SlotSet("customer_name", "Priya"),
                      SlotSet("name_vocative", ", Priya")]
    assert dispatcher.messages == []


async def test_socketio_custom_data_and_session_metadata_are_read(make_tracker, dispatcher, domain):
    tracker = make_tracker(slots={"session_started_metadata": {"customData": {"first_name": "Tom"}}})
    events = await ActionAssessMessage().run(dispatcher, tracker, domain)
    assert events == [SlotSet("emotion_tone", "mild"), SlotSet("customer_name", "Tom"),
                      SlotSet("name_vocative", ", Tom")]


async def test_a_known_name_is_not_overwritten(make_tracker, dispatcher, domain):
    tracker = make_tracker(metadata={"first_name": "Someone"},
                           slots={"customer_name": "Dafydd", "name_vocative": ", Dafydd", "emotion_tone": "mild"})
    assert await ActionAssessMessage().run(dispatcher, tracker, domain) == []


@pytest.mark.parametrize("metadata", [None, {}, {"first_name": ""}, {"first_name": "<script>alert(1)</script>"},
                                      {"first_name": "😀😀"}, {"first_name": 42}, {"customData": "x"}])
async def test_without_a_usable_name_nothing_is_set(make_tracker, dispatcher, domain, metadata):
    tracker = make_tracker(metadata=metadata, slots={"emotion_tone": "mild"})
    assert await ActionAssessMessage().run(dispatcher, tracker, domain) == []


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
        ("call me Jo please", "Jo"),
        ("Priya, thank you", "Priya"),
        ("Mary Jane Smith", "Mary"),
        # Sentences are not names: their first word must not become what the bot calls the customer.
        ("our kitchen is flooded", None),
        ("I don't want to give my name", None),
        ("my grandad is no longer with us and I don't know where to start", None),
        # An answer about the claim is not a name either.
        ("motor", None),
        ("Yesterday", None),
        ("car insurance", None),
        ("Motor.", None),
        ("nobody hurt thankfully", None),
        ("friday night", None),
        ("thankfully fine", None),
        ("Nobby", "Nobby"),
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
