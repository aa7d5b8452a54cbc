"""POST /chat/session (issue #19, contracts.md #1): a signed website session whose sender id the browser
cannot choose, optionally for a customer the insurer's site vouches for."""
from __future__ import annotations

import datetime as dt

import jwt
import pytest

from handoff_service.config import SETTINGS, Settings, replace_settings
from rasa_addons import chat_sessions

from .helpers import SERVICE_TOKEN

SITE_KEY = "insurer-site-signing-key-for-tests-0123456789"


@pytest.fixture
def settings() -> Settings:
    return replace_settings(SETTINGS, service_token=SERVICE_TOKEN, secret_key="test-secret-key",
                            run_background_tasks=False, rasa_url="http://127.0.0.1:9",
                            chat_session_secret="", customer_identity_key=SITE_KEY, chat_session_ttl_seconds=3600)


def identity(customer: str = "CUS-100003", *, key: str = SITE_KEY, audience: str = "heard",
             expires_in: int = 300, **claims) -> str:
    now = dt.datetime.now(dt.timezone.utc)
    return jwt.encode({"sub": customer, "aud": audience, "iat": now, "exp": now + dt.timedelta(seconds=expires_in),
                       **claims}, key, algorithm="HS256")


def session_claims(token: str, secret: str = "test-secret-key") -> dict:
    return chat_sessions.read(token, chat_sessions.session_key("", secret))


def test_an_anonymous_session_names_a_fresh_web_conversation(client):
    before = dt.datetime.now(dt.timezone.utc)
    first, second = client.post("/chat/session"), client.post("/chat/session", json={})
    assert first.status_code == second.status_code == 200
    body = first.json()
    assert body["sender_id"].startswith("web:") and body["sender_id"] != second.json()["sender_id"]
    claims = session_claims(body["token"])
    assert claims["sub"] == body["sender_id"] and "customer" not in claims and body["verified"] is False
    expires = dt.datetime.fromisoformat(body["expires_at"])
    assert before + dt.timedelta(seconds=3590) <= expires <= before + dt.timedelta(seconds=3610)


def test_a_logged_in_customer_is_named_in_the_session(client):
    body = client.post("/chat/session", json={"identity": identity()}).json()
    assert body["verified"] is True
    assert session_claims(body["token"])["customer"] == "CUS-100003"


@pytest.mark.parametrize("forged", [
    identity(key="someone-elses-key-0123456789-0123456789"),
    identity(expires_in=-120),  # expired (beyond the 30 s leeway)
    identity(audience="another-service"),
    jwt.encode({"sub": "CUS-100003", "aud": "heard"}, SITE_KEY, algorithm="HS256"),  # never expires: refused
    jwt.encode({"sub": "CUS-100003", "aud": "heard", "exp": 9999999999}, "", algorithm="none"),
    "not a token",
])
def test_an_identity_the_site_did_not_sign_is_refused(client, forged):
    response = client.post("/chat/session", json={"identity": forged})
    assert response.status_code == 401
    assert "token" not in response.json()
