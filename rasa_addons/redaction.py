"""Personal data out of log lines: emails, card numbers, phone numbers, policy numbers, claim references,
and credentials that travel in URLs or headers (``?token=``, ``Bearer …``; an access log records the URL).

Logs carry ids, never what a customer wrote; this filter is the net under that rule, for a line that
still quotes an error body or a value. Every pattern is linear (bounded repeats, one start per run) and
the module has no Rasa imports, so both runtimes use it (rasa_addons/serve.py, actions/server.py).
"""
from __future__ import annotations

import logging
import re

# Order matters: a credential goes first (its characters could read as anything else), then an email or a
# reference before its digits could read as a phone number.
_PATTERNS = (
    (r"\1[redacted]", re.compile(
        r"([?&;](?:token|access_token|refresh_token|customer_token|auth|password)=)[^&;\s\"'#]{1,4096}",
        re.IGNORECASE)),
    (r"\1[redacted]", re.compile(r"(\bBearer\s{1,8})[\w.~+/=-]{1,4096}", re.IGNORECASE)),
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


def _redacted_arg(value: object) -> object:
    if isinstance(value, (int, float)) or value is None:
        return value
    text = str(value)
    redacted = redact(text)
    return value if redacted == text else redacted


class RedactingFilter(logging.Filter):
    """Rewrites a record with personal data replaced. A record whose arguments are a tuple keeps that shape, each
    argument redacted (uvicorn's access formatter unpacks them); any other is merged into its message."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed call is logging's to report when it emits, not ours to raise
            return True
        redacted = redact(message)
        if redacted == message:
            return True
        if isinstance(record.args, tuple) and record.args:
            record.msg = redact(str(record.msg))
            record.args = tuple(_redacted_arg(arg) for arg in record.args)
            try:
                if redact(record.getMessage()) == record.getMessage():
                    return True
            except Exception:  # a redacted argument no longer fits its %d: fall back to the merged message
                pass
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
