"""action_injury_first_words: the 999 line while help may still be needed, not to someone already cared for."""
from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from actions.care.injury import ActionInjuryFirstWords, help_may_still_be_needed
from tests.actions.helpers import responses

pytestmark = pytest.mark.anyio

NOT_KNOWN_TO_BE_CARED_FOR = [
    "I was badly injured in the crash",
    "my son was hit by a car",
    "someone was seriously injured",
    "the passenger was hurt badly",
    "",
    "🚑",
]
CARED_FOR_OR_OVER = [
    "my husband was badly hurt and he's in intensive care",
    "my daughter was injured and she's in hospital",
    "the ambulance took my dad to A&E after the crash",
    "I broke my leg in the accident, I'm on crutches and off work for six weeks",
    "my wife was injured three weeks ago and is still recovering",
    "he's been in the ICU since Saturday",
    "she had an operation last night after the fall",
]
STILL_URGENT = [
    "my husband is in the car, he's not breathing",
    "he's unconscious and the ambulance is on its way, he's still bleeding",
    "waiting for the ambulance, she was taken to hospital last year for the same thing",
    "she's trapped in the car, the doctors said nothing last time",
]


@pytest.mark.parametrize("text", NOT_KNOWN_TO_BE_CARED_FOR)
async def test_the_999_line_when_nobody_knows_whether_help_has_come(make_tracker, dispatcher, domain, text):
    events = await ActionInjuryFirstWords().run(dispatcher, make_tracker(text=text, intent="disclose_serious_injury"),
                                                domain)
    assert events == []
    assert responses(dispatcher) == ["utter_injury_safety"]


@pytest.mark.parametrize("text", CARED_FOR_OR_OVER)
async def test_no_script_for_someone_already_cared_for(make_tracker, dispatcher, domain, text):
    events = await ActionInjuryFirstWords().run(dispatcher, make_tracker(text=text, intent="disclose_serious_injury"),
                                                domain)
    assert events == []
    assert dispatcher.messages == []


@pytest.mark.parametrize("text", STILL_URGENT)
def test_urgent_words_win_over_care(text):
    assert help_may_still_be_needed(text)


def test_markup_is_read_as_text_not_as_a_reason():
    assert not help_may_still_be_needed("<b>she's in hospital</b>")
    assert help_may_still_be_needed("<hospital>she was hurt</hospital>")


def test_only_the_start_of_a_huge_message_is_read():
    # MAX_TEXT is 2000 characters: a reason just inside counts, one just outside does not.
    ends_at_the_limit = "z" + "y " * 994 + "in hospital"
    assert len(ends_at_the_limit) == 2000
    assert not help_may_still_be_needed(ends_at_the_limit)
    assert help_may_still_be_needed("z" + ends_at_the_limit)  # the last letter falls outside


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_any_text_gets_an_answer(text):
    assert help_may_still_be_needed(text) in (True, False)


def test_the_injury_response_exists_in_the_domain(domain):
    assert "utter_injury_safety" in domain["responses"]
    assert "action_injury_first_words" in domain["actions"]
