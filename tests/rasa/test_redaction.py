"""Logs carry no personal data (rasa_addons/redaction.py) and the evidence guard logs no message text."""
from __future__ import annotations

import logging
import time

import pytest
from hypothesis import given, strategies as st

from rasa_addons.redaction import RedactingFilter, redact


@pytest.mark.parametrize("text, expected", [
    ("write to priya.sharma+claims@example.co.uk today", "write to [email] today"),
    ("my policy is HOM-204815", "my policy is [policy]"),
    ("policy lif 730011 renews", "policy [policy] renews"),
    ("claim CLM-85364 please", "claim [claim] please"),
    ("card 4111 1111 1111 1111 was charged", "card [card] was charged"),
    ("card 4111-1111-1111-1111", "card [card]"),
    ("card 4111111111111111", "card [card]"),
    ("call 07700 900123", "call [phone]"),
    ("call +44 20 7946 0958", "call [phone]"),
    ("call (020) 7946-0958", "call [phone]"),
])
def test_personal_data_is_replaced(text, expected):
    assert redact(text) == expected


@pytest.mark.parametrize("text", [
    "ticket 42 for conversation e2e-3f9a", "claim 1234", "HOM-20481 is too short", "12 days ago", "it cost £2,400",
    "1234567",  # seven digits: below a phone number's length
])
def test_ids_and_ordinary_numbers_stay(text):
    assert redact(text) == text


@pytest.mark.parametrize("digits, redacted", [(12, False), (13, True), (19, True), (20, False)])
def test_card_numbers_are_thirteen_to_nineteen_digits(digits, redacted):
    assert ("[card]" in redact("1" * digits)) == redacted


@given(st.text(alphabet="0123456789 -+()@.abcHOMCLM", max_size=200))
def test_redacting_twice_changes_nothing_more(text):
    assert redact(redact(text)) == redact(text)


def _fastest_of_five(text: str) -> float:
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        redact(text)
        best = min(best, time.perf_counter() - started)
    return max(best, 1e-5)


def test_redaction_is_linear_on_long_runs():
    for unit in ("a", "1", "1 ", "a.", "-1", "a@"):
        ratio = _fastest_of_five(unit * 16000) / _fastest_of_five(unit * 2000)
        assert ratio < 32, f"{unit!r}: 8x the text took {ratio:.0f}x the time (quadratic would be ~64x)"


def test_the_filter_rewrites_the_record_with_its_arguments_merged():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "refused for %s: %s", ("e2e-1", "a@b.example"), None)
    assert RedactingFilter().filter(record) and record.getMessage() == "refused for e2e-1: [email]"


def test_installed_redaction_covers_every_logger_and_handler(caplog):
    from rasa_addons import redaction

    factory = logging.getLogRecordFactory()
    try:
        assert redaction.install() is True and redaction.install() is False
        with caplog.at_level(logging.INFO):
            logging.getLogger("some.library").info("lookup for %s failed", "HOM-204815")
        assert caplog.messages == ["lookup for [policy] failed"]
    finally:
        logging.setLogRecordFactory(factory)


@pytest.mark.parametrize("text, expected", [
    ("GET /api/v1/events?token=eyJzdWIiOjF9.abc-_ HTTP/1.1", "GET /api/v1/events?token=[redacted] HTTP/1.1"),
    ('"WebSocket /api/v1/video/7/signal?x=1&token=abc.def" 403', '"WebSocket /api/v1/video/7/signal?x=1&token=[redacted]" 403'),
    ("Authorization: Bearer eyJ0eXAi.x_y-z", "Authorization: Bearer [redacted]"),
    ("GET /api/v1/tickets/7/customer-messages?after_id=12", "GET /api/v1/tickets/7/customer-messages?after_id=12"),
])
def test_credentials_in_urls_and_headers_are_replaced(text, expected):
    assert redact(text) == expected


def test_an_access_log_record_keeps_its_argument_tuple():
    # uvicorn's AccessFormatter unpacks (client, method, path, version, status): the shape must survive.
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1:5", "GET", "/api/v1/events?token=secret.sig", "1.1", 200), None)
    assert RedactingFilter().filter(record)
    assert record.args == ("127.0.0.1:5", "GET", "/api/v1/events?token=[redacted]", "1.1", 200)
    assert "secret.sig" not in record.getMessage()
