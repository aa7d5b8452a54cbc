"""End-to-end fixtures: the real action server, handoff service and Rasa, on private ports.

One stack serves the whole test session (Rasa needs tens of seconds to start); each test talks
to it with its own conversation id, so tests stay independent.
"""
from __future__ import annotations

import secrets
import uuid
from pathlib import Path

import httpx
import pytest

from stack.processes import Stack, rasa_model_path
from stack.settings import StackSettings
from tests.conftest import free_port


def stack_settings(var_dir: Path, **overrides: str) -> StackSettings:
    return StackSettings.load(
        HEARD_VAR_DIR=str(var_dir),
        RASA_PORT=str(free_port()),
        ACTION_SERVER_PORT=str(free_port()),
        HANDOFF_PORT=str(free_port()),
        RASA_TOKEN=secrets.token_urlsafe(16),
        HANDOFF_SERVICE_TOKEN=secrets.token_urlsafe(16),
        HANDOFF_SECRET_KEY=secrets.token_urlsafe(16),
        RASA_ENDPOINTS="endpoints.yml",
        # Tests must not depend on the day they run: the team is always "in hours" unless a test says not.
        HANDOFF_BUSINESS_HOURS=overrides.pop("HANDOFF_BUSINESS_HOURS", "mon-sun 00:00-23:59"),
        HANDOFF_QUEUE_UPDATE_SECONDS="1",
        # The test agent signs in and goes online but sends no console heartbeat: on a busy machine a journey can
        # take longer than the 90 s lapse, and the bot would then (rightly) offer a call back instead of a person.
        HANDOFF_PRESENCE_TIMEOUT_SECONDS=overrides.pop("HANDOFF_PRESENCE_TIMEOUT_SECONDS", "3600"),
        **overrides,
    )


# The insurer's site's key for logged-in customers' identities (tests/e2e/test_signed_sessions.py signs with it).
IDENTITY_KEY = secrets.token_urlsafe(32)


class CallbackReceiver:
    """Stands in for a messaging platform: Rasa's callback channel POSTs the bot's messages here."""

    def __init__(self) -> None:
        import json
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.messages: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.messages.append(json.loads(body or b"{}"))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/bot"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def texts_for(self, recipient: str) -> list[str]:
        return [m.get("text") or "" for m in list(self.messages) if m.get("recipient_id") == recipient]


@pytest.fixture(scope="session")
def callback_receiver() -> CallbackReceiver:
    receiver = CallbackReceiver()
    yield receiver
    receiver.server.shutdown()


@pytest.fixture(scope="session")
def running_stack(tmp_path_factory, callback_receiver) -> Stack:
    assert rasa_model_path().exists(), "no trained model: ./heard test trains it before the tests"
    var_dir = tmp_path_factory.mktemp("stack-var")
    settings = stack_settings(var_dir, CALLBACK_URL=callback_receiver.url, CUSTOMER_IDENTITY_KEY=IDENTITY_KEY)
    _prepare_databases(settings)
    with Stack(settings, log=lambda line: None) as stack:
        yield stack


@pytest.fixture
def private_stack(request, tmp_path, callback_receiver) -> Stack:
    """A stack of its own, for tests that stop and start its services. More environment for one test:
    ``@pytest.mark.parametrize("private_stack", [{"VARIABLE": "value"}], indirect=True)``."""
    overrides = {"HANDOFF_RETRY_SECONDS": "1", **getattr(request, "param", {})}
    settings = stack_settings(tmp_path, CALLBACK_URL=callback_receiver.url, **overrides)
    _prepare_databases(settings)
    with Stack(settings, log=lambda line: None) as stack:
        yield stack


def _prepare_databases(settings: StackSettings) -> None:
    import os
    import subprocess

    from stack.processes import APP_VENV
    from stack.settings import ROOT

    env = {**os.environ, **settings.env, "PYTHONPATH": str(ROOT)}
    subprocess.run([str(APP_VENV / "bin" / "python"), "-m", "actions.insurance.setup"],
                   cwd=ROOT, env=env, check=True, capture_output=True, timeout=120)


class Customer:
    """A customer on the REST channel, with the helpers tests need to look at the conversation."""

    def __init__(self, stack: Stack, first_name: str | None = None) -> None:
        self.env = stack.settings.env
        # Sender ids are namespaced per channel (rasa_addons/channels.py): the conversation of a REST client
        # that sends "e2e-…" is "rest:e2e-…"; sending the namespaced id names the same conversation.
        self.sender = f"rest:e2e-{uuid.uuid4().hex[:10]}"
        self.metadata = {"first_name": first_name} if first_name else {}
        self.client = httpx.Client(base_url=self.env["RASA_URL"], timeout=30.0)

    def say(self, text: str) -> list[dict]:
        response = self.client.post("/webhooks/rest/webhook",
                                    json={"sender": self.sender, "message": text, "metadata": self.metadata})
        response.raise_for_status()
        return response.json()

    def say_texts(self, text: str) -> list[str]:
        return [reply.get("text", "") for reply in self.say(text)]

    def tracker(self) -> dict:
        response = self.client.get(f"/conversations/{self.sender}/tracker",
                                   params={"token": self.env["RASA_TOKEN"]})
        response.raise_for_status()
        return response.json()

    def user_events(self) -> list[dict]:
        return [event for event in self.tracker()["events"] if event["event"] == "user"]


@pytest.fixture
def customer(running_stack) -> Customer:
    return Customer(running_stack)


@pytest.fixture
def customer_named(running_stack):
    return lambda name: Customer(running_stack, first_name=name)


class Agent:
    """A person in the agent console, through the handoff service's API."""

    def __init__(self, stack: Stack, email: str = "demo@heard.example", password: str = "heard-demo") -> None:
        self.client = httpx.Client(base_url=stack.settings.env["HANDOFF_URL"], timeout=30.0)
        token = self.client.post("/api/v1/auth/login", json={"email": email, "password": password})
        token.raise_for_status()
        self.client.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
        self.client.put("/api/v1/agents/me/presence", json={"presence": "online"}).raise_for_status()

    def claim_next(self) -> dict:
        response = self.client.post("/api/v1/queue/claim-next")
        response.raise_for_status()
        return response.json()

    def ticket(self, ticket_id: int) -> dict:
        return self.client.get(f"/api/v1/tickets/{ticket_id}").json()

    def messages(self, ticket_id: int) -> list[dict]:
        return self.client.get(f"/api/v1/tickets/{ticket_id}/messages").json()

    def reply(self, ticket_id: int, text: str) -> dict:
        response = self.client.post(f"/api/v1/tickets/{ticket_id}/replies", json={"text": text})
        response.raise_for_status()
        return response.json()

    def resolve(self, ticket_id: int) -> dict:
        response = self.client.post(f"/api/v1/tickets/{ticket_id}/resolve")
        response.raise_for_status()
        return response.json()


@pytest.fixture
def agent(running_stack) -> Agent:
    return Agent(running_stack)


def wait_for(predicate, timeout: float = 20.0, interval: float = 0.2, message: str = "condition"):
    """Poll until ``predicate()`` returns something truthy; return it."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {message}")


def handoff_payload(replies: list[dict]) -> dict | None:
    for reply in replies:
        custom = reply.get("custom") or {}
        data = custom.get("data") if isinstance(custom, dict) else None
        if isinstance(data, dict) and "handoff" in data:
            return data["handoff"]
    return None
