"""Signed website sessions and namespaced sender ids through the real stack (issue #19): a browser cannot
choose whose conversation it writes into; a REST or messaging client cannot name a website conversation; a
customer the insurer's site vouches for is verified without questions. Contract: docs/architecture.md."""
from __future__ import annotations

import datetime as dt
import queue
import uuid

import httpx
import jwt
import pytest
import socketio

from tests.e2e.conftest import IDENTITY_KEY, Customer, wait_for

pytestmark = pytest.mark.e2e


class Browser:
    """The website widget: a session from the handoff service (or none), then Rasa's socket.io."""

    def __init__(self, stack, token: str | None) -> None:
        self.confirmed: "queue.Queue[str]" = queue.Queue()
        self.replies: list[dict] = []
        self.client = socketio.Client(reconnection=False)
        self.client.on("session_confirm", self.confirmed.put)
        self.client.on("bot_uttered", self.replies.append)
        self.client.connect(stack.settings.env["RASA_URL"], socketio_path="/socket.io", transports=["websocket"],
                            auth={"token": token} if token is not None else None, wait_timeout=20)

    def session(self, asked_for: str) -> str:
        self.client.emit("session_request", {"session_id": asked_for})
        return self.confirmed.get(timeout=20)

    def say(self, text: str, session_id: str) -> None:
        self.client.emit("user_uttered", {"message": text, "session_id": session_id, "customData": {}})

    def texts(self) -> str:
        return " ".join(reply.get("text") or "" for reply in self.replies)


def new_session(stack, **body) -> dict:
    response = httpx.post(f"{stack.settings.env['HANDOFF_URL']}/chat/session", json=body or None, timeout=30)
    response.raise_for_status()
    return response.json()


def tracker_events(stack, conversation_id: str) -> list[dict]:
    response = httpx.get(f"{stack.settings.env['RASA_URL']}/conversations/{conversation_id}/tracker",
                         params={"token": stack.settings.env["RASA_TOKEN"]}, timeout=30)
    response.raise_for_status()
    return response.json()["events"] or []


def user_texts(stack, conversation_id: str) -> list[str]:
    return [event["text"] for event in tracker_events(stack, conversation_id) if event["event"] == "user"]


def test_the_sender_id_comes_from_the_session_token_not_the_browser(running_stack):
    victim, session = new_session(running_stack), new_session(running_stack)
    browser = Browser(running_stack, session["token"])
    try:
        assert browser.session(asked_for=victim["sender_id"]) == session["sender_id"]
        browser.say("hello there", session_id=victim["sender_id"])  # naming someone else's conversation
        wait_for(lambda: user_texts(running_stack, session["sender_id"]) == ["hello there"], message="own tracker")
        assert user_texts(running_stack, victim["sender_id"]) == []
    finally:
        browser.client.disconnect()


@pytest.mark.parametrize("token", ["not-a-token", "forged"])
def test_a_forged_session_token_cannot_connect(running_stack, token):
    if token == "forged":
        now = dt.datetime.now(dt.timezone.utc)
        token = jwt.encode({"sub": "web:victim", "aud": "heard-chat", "exp": now + dt.timedelta(hours=1)},
                           "a-key-we-guessed-0123456789-0123456789", algorithm="HS256")
    with pytest.raises(socketio.exceptions.ConnectionError):
        Browser(running_stack, token)


def test_without_a_token_the_browser_gets_a_conversation_of_its_own(running_stack):
    victim = new_session(running_stack)
    browser = Browser(running_stack, None)
    try:
        own = browser.session(asked_for=victim["sender_id"])
        assert own.startswith("web:") and own != victim["sender_id"]
        browser.say("hello", session_id=victim["sender_id"])
        wait_for(lambda: user_texts(running_stack, own) == ["hello"], message="the socket's own conversation")
        assert user_texts(running_stack, victim["sender_id"]) == []
    finally:
        browser.client.disconnect()


def test_a_rest_client_cannot_write_into_a_website_conversation(running_stack):
    victim = new_session(running_stack)
    intruder = Customer(running_stack)
    intruder.sender = victim["sender_id"]  # sent as is; the channel makes it rest:web:…
    intruder.say("hello")
    assert user_texts(running_stack, victim["sender_id"]) == []
    assert user_texts(running_stack, f"rest:{victim['sender_id']}") == ["hello"]


def test_a_rest_client_cannot_pass_for_the_website(running_stack):
    customer = Customer(running_stack)
    response = customer.client.post("/webhooks/rest/webhook", json={"sender": customer.sender, "message": "hi",
                                                                   "input_channel": "socketio"})
    response.raise_for_status()
    assert [e["input_channel"] for e in tracker_events(running_stack, customer.sender) if e["event"] == "user"] \
        == ["rest"]


def identity(customer_number: str, key: str = IDENTITY_KEY) -> str:
    now = dt.datetime.now(dt.timezone.utc)
    return jwt.encode({"sub": customer_number, "aud": "heard", "exp": now + dt.timedelta(minutes=5)}, key,
                      algorithm="HS256")


def test_a_logged_in_customer_is_verified_by_the_site(running_stack):
    session = new_session(running_stack, identity=identity("CUS-100003"))
    assert session["verified"] is True
    browser = Browser(running_stack, session["token"])
    try:
        sender = browser.session(asked_for=str(uuid.uuid4()))
        browser.say("when does LIF-730011 renew and what do I pay", session_id=sender)
        wait_for(lambda: "£22.40" in browser.texts(), timeout=60, message="the renewal answer")
        assert "date of birth" not in browser.texts()
    finally:
        browser.client.disconnect()


def test_an_identity_the_site_did_not_sign_gets_no_session(running_stack):
    response = httpx.post(f"{running_stack.settings.env['HANDOFF_URL']}/chat/session",
                          json={"identity": identity("CUS-100003", key="guessed-key-0123456789-0123456789")},
                          timeout=30)
    assert response.status_code == 401
