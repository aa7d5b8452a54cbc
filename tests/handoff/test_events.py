"""Live console updates over SSE, against a real uvicorn server (both backends, real commits)."""
from __future__ import annotations

import json
import queue
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from handoff_service.app import build_runtime, create_app
from handoff_service.config import Settings, replace_settings
from handoff_service.runtime import Runtime

from .helpers import LiveServer, make_agent, service_headers


@pytest.fixture
def live(fresh_db_url: str, settings: Settings) -> Iterator[tuple[LiveServer, Runtime, int]]:
    runtime = build_runtime(replace_settings(settings, database_url=fresh_db_url, run_background_tasks=True))
    with runtime.session() as session:
        agent_id = make_agent(session, "Sam").id
        session.commit()
    with LiveServer(create_app(runtime.settings, runtime=runtime)) as server:
        yield server, runtime, agent_id


def _listen(url: str, params: dict[str, str], headers: dict[str, str], out: "queue.Queue[Any]", stop: threading.Event) -> None:
    try:
        with httpx.Client(timeout=httpx.Timeout(10, read=10)) as client:
            with client.stream("GET", url, params=params, headers=headers) as response:
                out.put(("status", response.status_code))
                if response.status_code != 200:
                    return
                event = None
                for line in response.iter_lines():
                    if stop.is_set():
                        return
                    if line.startswith("event:"):
                        event = line.split(":", 1)[1].strip()
                    elif line.startswith("data:") and event:
                        out.put((event, json.loads(line.split(":", 1)[1])))
    except Exception as exc:  # noqa: BLE001 - surfaced by the test
        out.put(("error", repr(exc)))


def _next(out: "queue.Queue[Any]", kind: str) -> Any:
    while True:
        got_kind, data = out.get(timeout=10)
        if got_kind == kind:
            return data
        assert got_kind != "error", data


def test_agents_hear_about_new_tickets_messages_and_status(live: tuple[LiveServer, Runtime, int]) -> None:
    server, runtime, agent_id = live
    stream_token = httpx.post(
        f"{server.url}/api/v1/auth/stream-token",
        headers={"Authorization": f"Bearer {runtime.signer.issue('agent', agent_id)}"},
    ).json()["token"]
    out: queue.Queue[Any] = queue.Queue()
    stop = threading.Event()
    listener = threading.Thread(
        target=_listen, args=(f"{server.url}/api/v1/events", {"token": stream_token}, {}, out, stop), daemon=True
    )
    listener.start()
    assert _next(out, "status") == 200
    assert _next(out, "ready") == {"agent_id": agent_id}
    created = httpx.post(
        f"{server.url}/api/v1/tickets",
        json={"conversation_id": "sse-1", "customer_first_name": "<b>Ann</b>", "reasons": ["complaint"]},
        headers=service_headers(),
    ).json()
    event = _next(out, "ticket.created")
    assert (event["ticket_id"], event["customer_first_name"], event["status"]) == (created["id"], "<b>Ann</b>", "queued")
    httpx.post(f"{server.url}/api/v1/tickets/{created['id']}/messages", json={"text": "hello?"}, headers=service_headers())
    assert _next(out, "ticket.message")["message"]["text"] == "hello?"
    httpx.post(f"{server.url}/api/v1/tickets/{created['id']}/abandon", headers=service_headers())
    assert _next(out, "ticket.status")["status"] == "abandoned"
    stop.set()


@pytest.mark.parametrize("token", ["", "forged-token"])
def test_events_need_a_valid_token(live: tuple[LiveServer, Runtime, int], token: str) -> None:
    server, runtime, agent_id = live
    params = {"token": token} if token else {}
    assert httpx.get(f"{server.url}/api/v1/events", params=params).status_code == 401
    # An agent token is not a stream token.
    agent_token = runtime.signer.issue("agent", agent_id)
    assert httpx.get(f"{server.url}/api/v1/events", params={"token": agent_token}).status_code == 401


def test_a_claim_over_http_is_heard_with_the_agent_and_the_greeting(fresh_db_url: str, settings: Settings) -> None:
    """The claim route as deployed (engine-bound session: one statement outside BEGIN/COMMIT on PostgreSQL)."""
    settings = replace_settings(settings, database_url=fresh_db_url, join_message="Hi {first_name}, I'm {agent_name}.")
    runtime = build_runtime(settings)
    with runtime.session() as session:
        agent_id = make_agent(session, "Sam").id
        session.commit()
    agent_headers = {"Authorization": f"Bearer {runtime.signer.issue('agent', agent_id)}"}
    with LiveServer(create_app(runtime.settings, runtime=runtime)) as server:
        stream_token = httpx.post(f"{server.url}/api/v1/auth/stream-token", headers=agent_headers).json()["token"]
        out: queue.Queue[Any] = queue.Queue()
        stop = threading.Event()
        threading.Thread(target=_listen, args=(f"{server.url}/api/v1/events", {"token": stream_token}, {}, out, stop),
                         daemon=True).start()
        assert _next(out, "ready") == {"agent_id": agent_id}
        created = httpx.post(f"{server.url}/api/v1/tickets", headers=service_headers(),
                             json={"conversation_id": "claim-heard", "customer_first_name": "Ann"}).json()
        claimed = httpx.post(f"{server.url}/api/v1/queue/claim-next", headers=agent_headers)
        assert claimed.status_code == 200
        body = claimed.json()
        assert (body["id"], body["status"], body["assigned_agent"]["name"]) == (created["id"], "claimed", "Sam")
        assert [m["text"] for m in body["messages"]] == ["Sam joined the conversation.", "Hi Ann, I'm Sam."]
        status = _next(out, "ticket.status")
        assert (status["status"], status["assigned_agent_name"]) == ("claimed", "Sam")
        assert _next(out, "ticket.message")["message"]["text"] == "Hi Ann, I'm Sam."
        assert httpx.post(f"{server.url}/api/v1/tickets/{created['id']}/claim", headers=agent_headers).status_code == 409
        assert httpx.post(f"{server.url}/api/v1/queue/claim-next", headers=agent_headers).status_code == 404
        stop.set()
