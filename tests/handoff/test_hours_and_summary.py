"""Pure logic: business hours and the extractive summary."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from handoff_service.hours import BusinessHours
from handoff_service.summary import extractive_summary

HOURS = BusinessHours.parse("mon-fri 08:00-20:00, sat 09:00-13:00", "Europe/London")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def test_open_on_a_weekday_afternoon() -> None:
    assert HOURS.is_open(utc(2026, 11, 23, 14, 0))  # Monday, GMT == UTC in November


def test_closed_on_sunday_next_opening_is_monday_morning_local_time() -> None:
    sunday = utc(2026, 11, 22, 12, 0)
    assert not HOURS.is_open(sunday)
    assert HOURS.next_opening(sunday) == utc(2026, 11, 23, 8, 0)


def test_saturday_after_one_pm_opens_monday() -> None:
    assert HOURS.is_open(utc(2026, 11, 28, 12, 59))
    assert HOURS.next_opening(utc(2026, 11, 28, 13, 0)) == utc(2026, 11, 30, 8, 0)


def test_british_summer_time_is_respected() -> None:
    # 07:30 UTC on a July Monday is 08:30 in London.
    assert HOURS.is_open(utc(2026, 7, 6, 7, 30))
    assert not HOURS.is_open(utc(2026, 7, 6, 19, 30))  # 20:30 local


def test_always_open_and_bad_specs() -> None:
    always = BusinessHours.parse("24/7", "UTC")
    assert always.is_open(utc(2026, 1, 1, 3, 0))
    with pytest.raises(ValueError, match="Cannot read"):
        BusinessHours.parse("weekdays 9-5", "UTC")
    with pytest.raises(ValueError, match="closes before"):
        BusinessHours.parse("mon 18:00-09:00", "UTC")


TRANSCRIPT = [
    {"sender": "bot", "text": "Hi! How can I help you today?"},
    {"sender": "customer", "text": "Hello.", "intensity": 0.1},
    {"sender": "customer", "text": "I want to check something.", "intensity": 0.1},
    {
        "sender": "customer",
        "text": "My kitchen flooded on 3 March and the claim HC-48213 is still open. I am devastated and exhausted!",
        "intensity": 0.9,
    },
    {"sender": "bot", "text": "I'm so sorry to hear that."},
    {"sender": "customer", "text": "ok thanks", "intensity": 0.0},
    {"sender": "customer", "text": "Nobody has called me back in three weeks.", "intensity": 0.6},
]


def test_summary_picks_informative_and_emotional_customer_sentences_in_order() -> None:
    summary = extractive_summary(TRANSCRIPT, {"claim_number": "HC-48213"}, max_sentences=3)
    assert summary.startswith("My kitchen flooded on 3 March")
    assert "I am devastated and exhausted!" in summary
    assert "Nobody has called me back" in summary
    assert "Hello." not in summary and "ok thanks" not in summary
    assert "How can I help" not in summary  # bot turns are never summarised
    assert summary.index("kitchen") < summary.index("Nobody")


def test_summary_leaves_out_answers_that_say_nothing_but_keeps_something_to_show() -> None:
    transcript = [{"sender": "customer", "text": "hi", "intensity": 0.0},
                  {"sender": "customer", "text": "The water damage is three weeks old and nobody called.", "intensity": 0.9},
                  {"sender": "customer", "text": "yes, by chat please", "intensity": 0.07}]
    assert extractive_summary(transcript) == "The water damage is three weeks old and nobody called."
    only_short = [{"sender": "customer", "text": "person please", "intensity": 0.1}]
    assert extractive_summary(only_short) == "person please"


def test_summary_skips_near_duplicates_and_handles_empty_input() -> None:
    repeated = [{"sender": "user", "text": "The payment failed twice today!"}] * 3
    assert extractive_summary(repeated) == "The payment failed twice today!"
    assert extractive_summary([]) == ""
