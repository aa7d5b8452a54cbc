"""Dates of birth and postcodes out of what a customer types. Pure functions: no database, no Rasa.

Both read only the first ``MAX_ANSWER_CHARS`` characters (an answer to "what's your date of birth?" is
short; anything longer is not an answer) with linear regular expressions, so hostile text costs nothing.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Optional

MAX_ANSWER_CHARS = 80
OLDEST_AGE_YEARS = 120

_MONTHS = {name: number for number, names in enumerate((
    ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",), ("jun", "june"),
    ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"), ("oct", "october"),
    ("nov", "november"), ("dec", "december")), start=1) for name in names}
_MONTH = "(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_ORDINAL = r"(?:st|nd|rd|th)?"
# 14/03/1988, 14.3.1988, 14-03-1988, 14 03 1988 (day first: a UK service).
_NUMERIC = re.compile(r"(?<!\d)(\d{1,2})[/.\- ](\d{1,2})[/.\- ](\d{4})(?!\d)")
_ISO = re.compile(r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)")
# 14 March 1988, 14th of March, 1988
_DAY_MONTH = re.compile(rf"(?<!\d)(\d{{1,2}}){_ORDINAL}(?: of)? {_MONTH},? (\d{{4}})(?!\d)", re.IGNORECASE)
# March 14 1988, March 14th, 1988
_MONTH_DAY = re.compile(rf"\b{_MONTH} (\d{{1,2}}){_ORDINAL},? (\d{{4}})(?!\d)", re.IGNORECASE)

# UK postcodes: outward code (A9, A99, AA9, AA99, A9A, AA9A) then inward code (9AA).
_POSTCODE = re.compile(r"(?<![A-Za-z0-9])([A-Za-z]{1,2}\d[A-Za-z\d]?) ?(\d[A-Za-z]{2})(?![A-Za-z0-9])")


def _answer(text: Optional[str]) -> Optional[str]:
    cleaned = " ".join((text or "")[: MAX_ANSWER_CHARS * 2].split())
    if not cleaned or len(cleaned) > MAX_ANSWER_CHARS:
        return None
    return cleaned


def _date(year: int, month: int, day: int, today: dt.date) -> Optional[dt.date]:
    try:
        born = dt.date(year, month, day)
    except ValueError:
        return None
    if born > today or today.year - born.year > OLDEST_AGE_YEARS:
        return None
    return born


def read_date_of_birth(text: Optional[str], *, today: Optional[dt.date] = None) -> Optional[dt.date]:
    """The date of birth in a short answer ("14/03/1988", "14th March 1988", "1988-03-14"), or None.

    The year must be written in full: "14/03/88" could be 1888 or 1988, and a wrong guess would count as
    a wrong answer against the customer."""
    today = today or dt.date.today()
    answer = _answer(text)
    if answer is None:
        return None
    match = _NUMERIC.search(answer)
    if match:
        return _date(int(match.group(3)), int(match.group(2)), int(match.group(1)), today)
    match = _ISO.search(answer)
    if match:
        return _date(int(match.group(1)), int(match.group(2)), int(match.group(3)), today)
    match = _DAY_MONTH.search(answer)
    if match:
        return _date(int(match.group(3)), _MONTHS[match.group(2).lower()], int(match.group(1)), today)
    match = _MONTH_DAY.search(answer)
    if match:
        return _date(int(match.group(3)), _MONTHS[match.group(1).lower()], int(match.group(2)), today)
    return None


def read_postcode(text: Optional[str]) -> Optional[str]:
    """A UK postcode in a short answer, normalised to upper case without spaces ("ls6 2ab" -> "LS62AB")."""
    answer = _answer(text)
    match = _POSTCODE.search(answer) if answer else None
    if match is None:
        return None
    return (match.group(1) + match.group(2)).upper()


def normalise_postcode(postcode: str) -> str:
    return "".join(postcode.split()).upper()
