"""Time-based one-time passwords (RFC 6238 over RFC 4226's HOTP), the agents' optional second factor.

Written out rather than a dependency: it is twenty lines of hmac, and tests/handoff/test_totp.py checks it
against the RFC's own test vectors. Authenticator apps use SHA-1, 6 digits and 30-second steps.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
import time
from urllib.parse import quote

STEP_SECONDS = 30
DIGITS = 6
# A code from the previous or the next step is accepted too: phone clocks drift, typing takes time.
DRIFT_STEPS = 1


def new_secret() -> str:
    """160 random bits, base32 as authenticator apps expect (RFC 4226 recommends at least 128)."""
    return base64.b32encode(secrets.token_bytes(20)).decode("ascii")


def _key(secret_b32: str) -> bytes:
    cleaned = secret_b32.replace(" ", "").upper()
    return base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))


def hotp(key: bytes, counter: int, *, digits: int = DIGITS, digest: str = "sha1") -> str:
    mac = hmac.new(key, struct.pack(">Q", counter), digest).digest()
    offset = mac[-1] & 0x0F
    value = struct.unpack(">I", mac[offset:offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10**digits).zfill(digits)


def time_step(at: float | None = None) -> int:
    return int((time.time() if at is None else at) // STEP_SECONDS)


def code_at(secret_b32: str, at: float | None = None) -> str:
    return hotp(_key(secret_b32), time_step(at))


def matching_step(secret_b32: str, code: str, *, at: float | None = None, after_step: int | None = None) -> int | None:
    """The time step whose code this is (within the drift), or None. A step at or before ``after_step``
    (the last one used) never matches, so a code cannot be used twice."""
    code = code.strip().replace(" ", "")
    if len(code) != DIGITS or not code.isdigit():
        return None
    key = _key(secret_b32)
    now = time_step(at)
    for step in range(now - DRIFT_STEPS, now + DRIFT_STEPS + 1):
        if after_step is not None and step <= after_step:
            continue
        if hmac.compare_digest(hotp(key, step), code):
            return step
    return None


def provisioning_uri(secret_b32: str, account: str, issuer: str = "Heard") -> str:
    """otpauth:// URI for an authenticator app (shown once by the CLI; a QR code of it works too)."""
    return (f"otpauth://totp/{quote(issuer)}:{quote(account)}?secret={secret_b32}&issuer={quote(issuer)}"
            f"&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}")
