"""Property-based tests of the action server's text readers (issue #19): names, dates, dates of birth,
postcodes, policy numbers and claim references. Whatever a customer types, each reader returns a value of
its own shape (or nothing) within a time budget per input (hypothesis' deadline), and what a customer means
is read back exactly however it is surrounded. Linearity on long hostile input: test_text_reader_bounds.py."""
from __future__ import annotations

import datetime as dt
import re

from hypothesis import HealthCheck, given, settings, strategies as st

from actions.identity.readers import read_date_of_birth, read_postcode
from actions.insurance.dates import date_in_message, read_incident_date
from actions.insurance.formats import (MAX_NAME_LENGTH, POLICY_PREFIXES, clean_first_name, read_claim_reference,
                                       read_policy_number)
from rasa_addons.sealed_messages import MESSAGE_CHAR_LIMIT

TODAY = dt.date(2026, 12, 2)
# Per input: generous for a shared 2-core machine, far below what a backtracking pattern takes on these lengths.
BUDGET = settings(max_examples=60, deadline=dt.timedelta(milliseconds=400),
                  suppress_health_check=[HealthCheck.too_slow])
# dateparser is slower per call (it reads only short phrases, so the budget is per phrase, not per length).
DATE_BUDGET = settings(max_examples=30, deadline=dt.timedelta(milliseconds=1500),
                       suppress_health_check=[HealthCheck.too_slow])

customer_text = st.text(st.characters(codec="utf-8"), max_size=MESSAGE_CHAR_LIMIT)
# Text that cannot itself look like a reference, a date or a postcode: the noise around what is meant.
quiet = st.text(alphabet=" ,.!?:;()\"'\n\t", max_size=40)
NAME_SHAPE = re.compile(r"^[^\W\d_](?:[^\W\d_]|['’-])*$")


@BUDGET
@given(text=customer_text)
def test_names_are_one_clean_word_or_nothing(text):
    name = clean_first_name(text)
    assert name is None or (len(name) <= MAX_NAME_LENGTH and NAME_SHAPE.match(name)
                            and name[0] == name[0].upper() and all(c.isalpha() or c in "'’-" for c in name)), name


@BUDGET
@given(text=customer_text)
def test_references_have_their_shape_or_say_what_was_wrong(text):
    policy, claim = read_policy_number(text), read_claim_reference(text)
    assert policy.value is None or re.fullmatch(r"(HOM|MOT|TRV|LIF)-\d{6}", policy.value)
    assert policy.ok or policy.problem in ("missing", "prefix", "digits")
    assert claim.value is None or re.fullmatch(r"CLM-\d{5}", claim.value)
    assert claim.ok or claim.problem in ("missing", "digits")


@BUDGET
@given(prefix=st.sampled_from(sorted(POLICY_PREFIXES)), digits=st.integers(0, 999_999),
       separator=st.sampled_from(["-", " ", "", " - ", "–"]), lower=st.booleans(), before=quiet, after=quiet)
def test_a_policy_number_is_read_back_however_it_is_typed(prefix, digits, separator, lower, before, after):
    typed = f"{prefix.lower() if lower else prefix}{separator}{digits:06d}"
    assert read_policy_number(f"{before} {typed} {after}").value == f"{prefix}-{digits:06d}"


@BUDGET
@given(digits=st.integers(0, 99_999), separator=st.sampled_from(["-", " ", ""]), before=quiet, after=quiet)
def test_a_claim_reference_is_read_back(digits, separator, before, after):
    assert read_claim_reference(f"{before} clm{separator}{digits:05d} {after}").value == f"CLM-{digits:05d}"


@BUDGET
@given(text=customer_text)
def test_dates_of_birth_and_postcodes_have_their_shape_or_are_nothing(text):
    born = read_date_of_birth(text, today=TODAY)
    assert born is None or TODAY.year - 120 <= born.year and born <= TODAY
    postcode = read_postcode(text)
    assert postcode is None or re.fullmatch(r"[A-Z]{1,2}\d[A-Z\d]?\d[A-Z]{2}", postcode)


@BUDGET
@given(born=st.dates(min_value=dt.date(1907, 1, 1), max_value=TODAY),
       style=st.sampled_from(["{d}/{m}/{y}", "{d:02d}/{m:02d}/{y}", "{d}.{m}.{y}", "{y}-{m:02d}-{d:02d}",
                              "{d} {month} {y}", "{d}th of {month}, {y}", "{month} {d} {y}"]),
       before=st.sampled_from(["", "it's ", "born on "]))
def test_a_date_of_birth_is_read_back_in_every_usual_style(born, style, before):
    typed = before + style.format(d=born.day, m=born.month, y=born.year, month=f"{born:%B}")
    assert read_date_of_birth(typed, today=TODAY) == born


@BUDGET
@given(area=st.text(alphabet="ABCDEFGHIJKLMNOPRSTUWYZ", min_size=1, max_size=2), district=st.integers(0, 99),
       sector=st.integers(0, 9), unit=st.text(alphabet="ABDEFGHJLNPQRSTUWXYZ", min_size=2, max_size=2),
       space=st.booleans(), lower=st.booleans(), after=quiet)
def test_a_postcode_is_read_back_normalised(area, district, sector, unit, space, lower, after):
    typed = f"{area}{district}{' ' if space else ''}{sector}{unit}"
    assert read_postcode((typed.lower() if lower else typed) + after) == f"{area}{district}{sector}{unit}"


@DATE_BUDGET
@given(text=st.text(st.characters(codec="utf-8"), max_size=300))
def test_incident_dates_are_never_in_the_future_or_too_old_when_accepted(text):
    check = read_incident_date(text, today=TODAY)
    if check.problem is None:
        assert check.value <= TODAY and (TODAY - check.value).days <= 3 * 365
    in_passing = date_in_message(text, today=TODAY)
    assert in_passing is None or in_passing <= TODAY
