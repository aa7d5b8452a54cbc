"""What the bot says when it hands over: the acknowledgement matches why it hands over."""
from __future__ import annotations

import random
from datetime import datetime, timezone

import pytest

from actions.escalation import Decision
from actions.handoff.wording import acknowledgement, opening_time


def decision(trigger: str, category: str = "", words: str = "I've called four times") -> Decision:
    return Decision(trigger, words, "high", immediate=False, category=category)


def test_repeated_contact_is_acknowledged_as_having_had_to_chase():
    texts = {acknowledgement(decision("complex_case", "repeated_contact"), "Priya", random.Random(seed))
             for seed in range(20)}
    assert len(texts) == 2
    assert all("Priya" in text for text in texts)
    assert any("chase us" in text for text in texts)
    assert not any("called four times" in text for text in texts)  # said in the bot's own words


def test_repeated_contact_about_an_incident_names_it():
    texts = {acknowledgement(decision("complex_case", "repeated_contact"), None, random.Random(seed),
                             said="this is the fourth time I've called about the burst pipe") for seed in range(20)}
    assert len(texts) == 2 and all("the burst pipe" in text for text in texts)


def test_a_declined_claim_is_named_not_quoted():
    texts = {acknowledgement(decision("complex_case", "declined_or_disputed_claim", "you declined my claim"), None,
                             random.Random(seed), said="you declined my claim for the flood and I want to dispute it")
             for seed in range(20)}
    assert len(texts) == 2
    assert all("your flood claim being turned down" in text for text in texts)
    assert any("deserves a person who can look at every detail" in text for text in texts)


def test_a_language_code_in_the_category_does_not_pick_a_wording():
    text = acknowledgement(decision("unsupported_language", "fr", "bonjour"), None, random.Random(1))
    assert "only chat in English" in text


@pytest.mark.parametrize("opening, expected", [
    ("2026-12-01T08:00:00+00:00", "today at 08:00"),
    ("2026-12-02T08:00:00+00:00", "tomorrow at 08:00"),
    ("2026-12-04T08:00:00+00:00", "on Friday at 08:00"),
    ("2026-12-14T08:00:00+00:00", "on Monday 14 December at 08:00"),
    # 20:00 UTC on Tuesday is already 07:00 on Wednesday in Sydney: the opening there is "today".
    ("2026-12-02T08:00:00+11:00", "today at 08:00"),
])
def test_the_next_opening_is_said_the_way_a_person_would(opening, expected):
    now = datetime(2026, 12, 1, 20, 0, tzinfo=timezone.utc) if "+11:00" in opening else \
        datetime(2026, 12, 1, 5, 50, tzinfo=timezone.utc)
    assert opening_time(opening, now) == expected


@pytest.mark.parametrize("value", [None, "", "not a date"])
def test_no_or_bad_opening_time_says_nothing(value):
    assert opening_time(value) is None


def distress(cues: list[str], words: str = "my car was stolen last night") -> Decision:
    return Decision("high_intensity", words, "high", immediate=False, signals={"intensity": 0.89, "cues": cues})


def every_wording(decision: Decision) -> set[str]:
    return {acknowledgement(decision, "Priya", random.Random(seed)) for seed in range(30)}


def test_distress_after_a_theft_or_flood_gets_care_without_owning_a_failure():
    texts = every_wording(distress(["model: sadness 0.48", 'theft: "was stolen"']))
    assert len(texts) == 2
    assert all("I'm so sorry" in text and "Priya" in text and "your car being taken" in text for text in texts)
    assert not any("stolen last night" in text for text in texts)
    assert not any("experience you should be having" in text or "come to this" in text for text in texts)


def test_distress_about_our_service_owns_it_and_names_the_wait():
    texts = every_wording(distress(['waiting time: "three weeks"', 'theft: "was stolen"'],
                                   "my stolen car claim has been waiting three weeks"))
    assert len(texts) == 2 and all("sorry" in text.lower() for text in texts)
    assert any("experience you should be having" in text for text in texts)
    assert all("Three weeks without an update about your car being taken" in text for text in texts)


def test_the_wait_is_named_with_what_the_customer_went_without():
    said = "I reported the water damage THREE WEEKS ago and nobody has called me. This is ridiculous."
    text = acknowledgement(distress(['waiting time: "three weeks"'], said), None, random.Random(0))
    assert "Three weeks without a call back about the water damage" in text


def test_distress_with_nothing_to_say_what_about_is_heard_without_assuming():
    texts = every_wording(distress(["model: sadness 0.8"], "everything is going wrong"))
    assert len(texts) == 2 and not any("everything is going wrong" in text for text in texts)
    assert not any("experience you should be having" in text or "horrible thing" in text for text in texts)


def test_a_risk_of_self_harm_is_answered_with_crisis_lines_first():
    decision = Decision("vulnerability", "I want to end it all", "urgent", immediate=True, category="self_harm")
    text = acknowledgement(decision, "Priya", random.Random(1))
    assert text.startswith("Thank you for telling me, Priya.")
    assert "116 123" in text and "999" in text
    assert "end it all" not in text  # the customer's words about self-harm are not mirrored back
