"""Reading the incident date a customer types ("last Tuesday", "14/11/2026") and saying dates back."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Optional

import dateparser
import yaml
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


_MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|"
          r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)")
_PART_OF_DAY = r"(?: (?:morning|afternoon|evening|night))?"
# Only phrases that name a day: "the other day" or "at the weekend" are not dates, and a date guessed
# from any number in a sentence would be worse than asking. Weekdays are whole words ("the sun", "I sat"
# are not days), and "May 3" must start with the number ("it may 2 …").
_DATE_PHRASE = re.compile(
    rf"\b(?:last night|(?:yesterday|today){_PART_OF_DAY}|this (?:morning|afternoon|evening)|earlier today|"
    rf"tonight|(?:on |last )?(?:mon|tues|wednes|thurs|fri|satur|sun)day{_PART_OF_DAY}|\d{{1,2}} days? ago|"
    rf"(?:on )?(?:the )?\d{{1,2}}(?:st|nd|rd|th)?(?: of)? {_MONTH}|"
    rf"(?:on )?(?!may\b){_MONTH} \d{{1,2}}(?:st|nd|rd|th)?)\b",
    re.IGNORECASE)


@lru_cache(maxsize=1)
def _planned_day() -> re.Pattern:
    """A plan, booking or deadline word just before the end of the text ("booked for", "next")."""
    raw = yaml.safe_load(Path(__file__).with_name("dates.yml").read_text(encoding="utf-8"))
    words = sorted({word.lower() for word in raw["words_before_a_day_not_an_incident"]}, key=len, reverse=True)
    gap = int(raw["max_words_between"])
    return re.compile(r"(?<![\w'])(?:" + "|".join(re.escape(word) for word in words) +
                      rf")(?![\w'])(?:\W+[\w']+){{0,{gap}}}\W*$")


def _said_as_a_plan(text: str, start: int) -> bool:
    """The words before the date, in its own sentence, make it a plan rather than when something happened."""
    before = re.split(r"[.!?;\n]", text[max(0, start - 80):start].lower().replace("’", "'"))[-1]
    return bool(_planned_day().search(before + " "))


def date_in_message(text: Optional[str], *, today: Optional[dt.date] = None) -> Optional[dt.date]:
    """The incident date a message states in passing ("my car was stolen last night"), or None.

    Used to spare the customer a question they have already answered; a phrase that is in the future or
    too old to claim for, or said as a plan ("my appointment on Friday", "next Friday"), is left for the
    form to ask about."""
    match = _DATE_PHRASE.search(text or "")
    if match is None or _said_as_a_plan(text or "", match.start()):
        return None
    check = read_incident_date(match.group(0), today=today)
    return check.value if check.problem is None else None


def say_date(date: dt.date) -> str:
    """'Monday 23 November' this year, '12 March 2021' otherwise."""
    if date.year == dt.date.today().year:
        return f"{date:%A} {date.day} {date:%B}"
    return f"{date.day} {date:%B %Y}"
