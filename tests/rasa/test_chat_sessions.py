"""Website session tokens, namespaced sender ids and the REST channel's guard (rasa_addons/chat_sessions.py;
issue #19). The same module runs in the handoff service, Rasa and the action server."""
from __future__ import annotations

import datetime as dt

import jwt
import pytest

from rasa_addons import chat_sessions


def test_a_session_token_is_bound_to_its_key():
    key = chat_sessions.session_key("", "test-secret-key")
    token, sender_id, _ = chat_sessions.issue(key, ttl_seconds=60)
    assert chat_sessions.read(token, key)["sub"] == sender_id
    assert chat_sessions.read(token, chat_sessions.session_key("", "another-secret-0123456789-0123456789")) is None
    assert chat_sessions.read(token, chat_sessions.session_key("explicit-chat-secret-0123456789-0123456789", "test-secret-key")) is None
    expired, _, _ = chat_sessions.issue(key, ttl_seconds=60, now=dt.datetime.now(dt.timezone.utc)
                                        - dt.timedelta(minutes=5))
    assert chat_sessions.read(expired, key) is None
    # A token for another conversation namespace is never a website session.
    rest = jwt.encode({"sub": "rest:victim", "aud": chat_sessions.AUDIENCE, "exp": 9999999999}, key, algorithm="HS256")
    assert chat_sessions.read(rest, key) is None


@pytest.mark.parametrize("channel, sent, expected", [
    ("rest", "alice", "rest:alice"), ("rest", "rest:alice", "rest:alice"), ("rest", "web:victim", "rest:web:victim"),
    ("callback", 447700900123, "callback:447700900123"), ("rest", "", None), ("rest", None, None),
    ("rest", True, None), ("rest", "x" * 200, None), ("rest", "a\nb", None), ("rest", "a b", None),
    ("rest", "a/b", None), ("rest", "a%3Ab", None), ("callback", "+447700900123", "callback:+447700900123"),
])
def test_client_sender_ids_are_namespaced(channel, sent, expected):
    assert chat_sessions.namespaced(channel, sent) == expected


@pytest.mark.parametrize("production, token, authorization, refused", [
    (False, "", None, None),  # the embedded stack: open, as ./heard chat uses it
    (True, "", "Bearer anything", 404),  # production without a token: the channel is off
    (True, "s3cret-token", None, 401),
    (True, "s3cret-token", "Bearer wrong", 401),
    (True, "s3cret-token", "s3cret-token", 401),  # not a bearer header
    (True, "s3cret-token", "Bearer s3cret-token", None),
    (True, "s3cret-token", "bearer  s3cret-token ", None),
    (False, "s3cret-token", None, 401),  # a configured token is required in any profile
])
def test_the_rest_channel_needs_its_token_and_is_off_in_production_without_one(production, token, authorization,
                                                                               refused):
    refusal = chat_sessions.rest_refusal(production=production, token=token, authorization=authorization)
    assert (refusal[0] if refusal else None) == refused
