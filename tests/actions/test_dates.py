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
