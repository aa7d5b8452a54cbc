"""Dates a customer states in passing, read so the claim form does not ask for them again."""
from __future__ import annotations

import datetime as dt

import pytest

from actions.insurance.dates import date_in_message

TUESDAY = dt.date(2026, 12, 1)


@pytest.mark.parametrize("text, expected", [
    ("my car was stolen last night", dt.date(2026, 11, 30)),
    ("our kitchen caught fire yesterday morning", dt.date(2026, 11, 30)),
    ("water is pouring through my ceiling this morning", TUESDAY),
    ("this happened 2 days ago", dt.date(2026, 11, 29)),
    ("a tree fell on the garage on Sunday", dt.date(2026, 11, 29)),
    ("we were burgled on the 3rd of November", dt.date(2026, 11, 3)),
    ("I was hit on March 5th", dt.date(2026, 3, 5)),
    # A plan word in an earlier sentence, or too far before the day, does not make it a plan.
    ("I'll be honest. My car was stolen on Sunday", dt.date(2026, 11, 29)),
    ("I was going to drive to work but my car was stolen on Sunday", dt.date(2026, 11, 29)),
])
def test_a_date_named_in_the_message_is_read(text, expected):
    assert date_in_message(text, today=TUESDAY) == expected


@pytest.mark.parametrize("text", [
    "I want to make a claim",
    "this is a nightmare",                    # "this" alone names no day
    "my suitcase went missing the other day",  # no day named: the form asks
    "I bought it in may 2020",                # a month without a day, and too old anyway
    "my phone was stolen, may I claim",
    "I have a Mondeo",
    "the sun has faded the paintwork",          # "sun" and "sat" are not days
    "I sat down and it broke",
    "we bought 3 market stalls' worth of stock",
    "it may 2 of us who claim",
    "my suitcase went missing last week",      # a week is not a day
    "",
    None,
])
def test_no_date_is_guessed(text):
    assert date_in_message(text, today=TUESDAY) is None


@pytest.mark.parametrize("text", [
    "the garage is booked for Monday",
    "can the assessor come next Friday",
    "I have my appointment on Friday",
    "my appointment with the garage on Friday was cancelled",
    "the engineer is coming on Tuesday",
    "we're flying out on Saturday, is my luggage covered?",
    "the booking app for my gym crashed, I couldn't book for Friday",
    "will it be fixed by Monday?",
])
def test_a_day_said_as_a_plan_is_not_an_incident_date(text):
    assert date_in_message(text, today=TUESDAY) is None


# max_words_between is 4: pinned at 4 (a plan) and 5 (too far away to say anything about the day).
@pytest.mark.parametrize("text, expected", [
    ("my appointment at the big garage on Friday", None),
    ("my appointment at the big new garage on Friday", dt.date(2026, 11, 27)),
])
def test_how_far_a_plan_word_reaches(text, expected):
    assert date_in_message(text, today=TUESDAY) == expected


def test_a_long_message_is_read_quickly_and_safely():
    assert date_in_message("and then " * 50_000 + "it was stolen last night", today=TUESDAY) == dt.date(2026, 11, 30)
    assert date_in_message("booked for " * 50_000 + "Friday", today=TUESDAY) is None
