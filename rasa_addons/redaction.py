"""Personal data out of log lines: emails, card numbers, phone numbers, policy numbers, claim references.

Logs carry ids, never what a customer wrote; this filter is the net under that rule, for a line that
still quotes an error body or a value. Every pattern is linear (bounded repeats, one start per run) and
the module has no Rasa imports, so both runtimes use it (rasa_addons/serve.py, actions/server.py).
"""
from __future__ import annotations

import logging
import re

# Order matters: an email or a reference is replaced before its digits could read as a phone number.
_PATTERNS = (
    ("[email]", re.compile(r"(?<![\w.+-])[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,8}")),
    ("[policy]", re.compile(r"\b(?:HOM|MOT|TRV|LIF)[ \t-]?\d{6}\b", re.IGNORECASE)),
    ("[claim]", re.compile(r"\bCLM[ \t-]?\d{5}\b", re.IGNORECASE)),
    ("[card]", re.compile(r"(?<![\d-])(?:\d[ -]?){12,18}\d(?!\d)")),
    ("[phone]", re.compile(r"(?<![\w+(])[+(]?\d[\d ()-]{7,16}\d(?!\d)")),
)


def redact(text: str) -> str:
    for placeholder, pattern in _PATTERNS:
        text = pattern.sub(placeholder, text)
    return text


class RedactingFilter(logging.Filter):
    """Rewrites a record's message with personal data replaced (its arguments merged in first)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed call is logging's to report when it emits, not ours to raise
            return True
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


def install() -> bool:
    """Redacts every log record as it is made, whichever logger or handler (Rasa's configured later)
    it goes to; False when already installed."""
    make_record = logging.getLogRecordFactory()
    if getattr(make_record, "_heard_redacting", False):
        return False
    redacting = RedactingFilter()

    def redacted_record(*args, **kwargs) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        redacting.filter(record)
        return record

    redacted_record._heard_redacting = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(redacted_record)
    return True
