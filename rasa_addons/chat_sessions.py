"""Signed website chat sessions (issue #19): the sender id of a website conversation comes from a token the
handoff service signs (``POST /chat/session``), never from the browser.

Shared by three runtimes with no Rasa imports: the handoff service issues tokens, Rasa's socket.io channel
(``rasa_addons/channels.py``) checks them and takes the sender id from them, and the action server reads a
logged-in customer's identity from them (``actions/identity/web_identity.py``). The contract is in
docs/architecture.md ("Website sessions and sender ids").

Session token (HS256 JWT, key ``CHAT_SESSION_SECRET``): ``sub`` = the sender id ``web:<random>``, ``aud`` =
``heard-chat``, ``iat``/``exp``, and ``customer`` = the insurer's customer number when the insurer's site
vouched for a logged-in customer. Without ``CHAT_SESSION_SECRET`` the key is derived from
``HANDOFF_SECRET_KEY`` (every process of a deployment has it), so no deployment runs with a known key.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from typing import Any, Optional

import jwt

ALGORITHM = "HS256"
AUDIENCE = "heard-chat"
# What the insurer's site puts in "aud" of a logged-in customer's identity token.
IDENTITY_AUDIENCE = "heard"
# Sender ids are namespaced per channel, so one channel's ids can never name another channel's conversation.
WEB_PREFIX = "web:"
CHANNEL_PREFIXES = {"socketio": WEB_PREFIX, "rest": "rest:", "callback": "callback:"}
MAX_CUSTOMER_NUMBER = 32
SENDER_ID_CHARS = re.compile(r"[A-Za-z0-9_.:@+-]+")
# Leeway for clocks that differ a little between the insurer's site and us.
LEEWAY_SECONDS = 30


def session_key(explicit: str, handoff_secret: str) -> str:
    """``CHAT_SESSION_SECRET``, else a key derived from ``HANDOFF_SECRET_KEY`` ('' when neither is set)."""
    if explicit.strip():
        return explicit.strip()
    if not handoff_secret.strip():
        return ""
    return hmac.new(handoff_secret.strip().encode(), b"heard-chat-session", hashlib.sha256).hexdigest()


def new_web_sender_id() -> str:
    return WEB_PREFIX + secrets.token_urlsafe(18)


def issue(key: str, *, ttl_seconds: int, customer: Optional[str] = None,
          now: Optional[dt.datetime] = None) -> tuple[str, str, dt.datetime]:
    """A new session: (token, sender id, expiry)."""
    now = now or dt.datetime.now(dt.timezone.utc)
    expires = now + dt.timedelta(seconds=ttl_seconds)
    sender_id = new_web_sender_id()
    claims: dict[str, Any] = {"sub": sender_id, "aud": AUDIENCE, "iat": now, "exp": expires}
    if customer:
        claims["customer"] = customer
    return jwt.encode(claims, key, algorithm=ALGORITHM), sender_id, expires


def read(token: Any, key: str) -> Optional[dict[str, Any]]:
    """The claims of a valid, unexpired session token of ours, or None (forged, expired, another audience)."""
    if not key or not isinstance(token, str) or not token or len(token) > 4096:
        return None
    try:
        claims = jwt.decode(token, key, algorithms=[ALGORITHM], audience=AUDIENCE, leeway=LEEWAY_SECONDS,
                            options={"require": ["sub", "exp", "aud"]})
    except jwt.PyJWTError:
        return None
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject.startswith(WEB_PREFIX) or len(subject) > 128:
        return None
    return claims


def read_identity(token: Any, key: str, algorithm: str = ALGORITHM, issuer: str = "") -> Optional[str]:
    """The customer number in a logged-in customer's identity token signed by the insurer's site, or None.

    Required claims: ``sub`` (the customer number), ``aud`` = "heard", ``exp``; ``iss`` when an issuer is
    configured. HS* algorithms take a shared secret, RS*/ES* the site's public key (PEM)."""
    if not key or not isinstance(token, str) or not token or len(token) > 8192:
        return None
    required = ["sub", "exp", "aud"] + (["iss"] if issuer else [])
    try:
        claims = jwt.decode(token, key, algorithms=[algorithm], audience=IDENTITY_AUDIENCE,
                            issuer=issuer or None, leeway=LEEWAY_SECONDS, options={"require": required})
    except jwt.PyJWTError:
        return None
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject.strip() or len(subject) > MAX_CUSTOMER_NUMBER:
        return None
    return subject.strip()


def rest_refusal(*, production: bool, token: str, authorization: Optional[str]) -> Optional[tuple[int, str]]:
    """Why a REST (or callback) webhook call is refused, as (status, message), or None to let it through.

    With a token configured a client must send ``Authorization: Bearer <token>``; in the production profile
    the channel is off without one (issue #19: a public REST channel lets anyone pick a conversation id)."""
    if production and not token:
        return 404, "the REST channel is off in production unless REST_CHANNEL_TOKEN is set"
    if token:
        given = (authorization or "").strip()
        given = given[7:].strip() if given[:7].lower() == "bearer " else ""
        if not hmac.compare_digest(given.encode(), token.encode()):
            return 401, "a valid REST_CHANNEL_TOKEN is required (Authorization: Bearer …)"
    return None


def namespaced(channel: str, sender_id: Any) -> Optional[str]:
    """``rest:<id>`` for what a REST or callback client sends; None when the id is unusable."""
    if not isinstance(sender_id, (str, int)) or isinstance(sender_id, bool):
        return None
    text = str(sender_id).strip()
    # Letters, digits and - _ . : @ + only: an id travels in Rasa's URL paths, which are not unquoted.
    if not text or len(text) > 128 or not SENDER_ID_CHARS.fullmatch(text):
        return None
    prefix = CHANNEL_PREFIXES[channel]
    return text if text.startswith(prefix) else prefix + text
