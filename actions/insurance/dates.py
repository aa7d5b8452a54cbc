"""Reading the incident date a customer types ("last Tuesday", "14/11/2026") and saying dates back."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Optional

import dateparser
from dateparser.search import search_dates

OLDEST_CLAIMABLE_DAYS = 3 * 365
# Long messages are not dates; parsing them would only be slow.
_MAX_DATE_TEXT = 120
_SETTINGS = {"PREFER_DATES_FROM": "past", "DATE_ORDER": "DMY", "RETURN_AS_TIMEZONE_AWARE": False}


@dataclass(frozen=True)
class DateCheck:
    value: Optional[dt.date] = None
    problem: Optional[str] = None  # "unclear", "future", "too_old"


def read_incident_date(text: Optional[str], *, today: Optional[dt.date] = None) -> DateCheck:
    today = today or dt.date.today()
    cleaned = " ".join((text or "").split())
    if not cleaned or len(cleaned) > _MAX_DATE_TEXT or not any(char.isalnum() for char in cleaned):
        return DateCheck(problem="unclear")
    settings = {**_SETTINGS, "RELATIVE_BASE": dt.datetime.combine(today, dt.datetime.now().time())}
    parsed = dateparser.parse(cleaned, languages=["en"], settings=settings)
    if parsed is None:
        found = search_dates(cleaned, languages=["en"], settings=settings)
        parsed = found[0][1] if found else None
    if parsed is None:
        return DateCheck(problem="unclear")
    date = parsed.date()
    if date > today:
        return DateCheck(value=date, problem="future")
    if (today - date).days > OLDEST_CLAIMABLE_DAYS:
        return DateCheck(value=date, problem="too_old")
    return DateCheck(value=date)


def say_date(date: dt.date) -> str:
    """'Monday 23 November' this year, '12 March 2021' otherwise."""
    if date.year == dt.date.today().year:
        return f"{date:%A} {date.day} {date:%B}"
    return f"{date.day} {date:%B %Y}"
