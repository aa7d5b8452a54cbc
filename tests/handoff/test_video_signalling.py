"""Video signalling: the token is the socket's first message (never the URL), call start and end are
written into both chats once per call, and a call can be restarted with the customer still in the room
(the agent's second Start used to wait forever)."""
from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from starlette.websockets import WebSocketDisconnect

from handoff_service.app import build_runtime
from handoff_service.config import Settings, replace_settings
from handoff_service.runtime import Runtime
from handoff_service.models import Delivery, Message, Sender

from .helpers import agent_headers, make_agent, service_headers


@pytest.fixture
def settings(settings: Settings, fresh_db_url: str) -> Settings:
    return replace_settings(settings, video_auth_timeout_seconds=0.5, database_url=fresh_db_url)


@pytest.fixture
def runtime(settings: Settings) -> Iterator[Runtime]:
    """A database of its own with real commits: the socket handlers write from worker threads while the
    test reads, which one shared test connection cannot take."""
    runtime = build_runtime(settings)
    yield runtime
    if runtime.engine is not None:
        runtime.engine.dispose()


def _claimed_video_ticket(client: TestClient, runtime, session, conversation_id: str) -> tuple[dict, str]:  # type: ignore[no-untyped-def]
    ticket = client.post("/api/v1/tickets", headers=service_headers(),
                         json={"conversation_id": conversation_id, "preferred_mode": "video",
                               "customer_first_name": "Priya"}).json()
    agent = make_agent(session, "Sam", email=f"sam-{conversation_id}@heard.example")
    session.commit()
    headers = agent_headers(runtime, agent)
    assert client.post(f"/api/v1/tickets/{ticket['id']}/claim", headers=headers).status_code == 200
    return ticket, client.post("/api/v1/auth/stream-token", headers=headers).json()["token"]


def _room(ticket: dict) -> str:
    return f"/api/v1/video/{ticket['id']}/signal"


def test_a_token_in_the_url_is_not_accepted(client, runtime, session) -> None:
    ticket, _ = _claimed_video_ticket(client, runtime, session, "video-url-token")
    with pytest.raises(WebSocketDisconnect) as closed:
        with client.websocket_connect(f"{_room(ticket)}?token={ticket['customer_token']}") as socket:
            socket.receive_json()  # nothing sent first: closed once the auth time is up
    assert closed.value.code == 1008


@pytest.mark.parametrize("first", [{"type": "hello", "token": "x"}, {"type": "auth"}, {"type": "auth", "token": 5},
                                   {"type": "auth", "token": "x" * 1025}, ["auth"]])
def test_a_first_message_that_is_not_a_valid_auth_closes_the_socket(client, runtime, session, first) -> None:
    ticket, _ = _claimed_video_ticket(client, runtime, session, f"video-bad-first-{abs(hash(str(first)))}")
    with pytest.raises(WebSocketDisconnect) as closed:
        with client.websocket_connect(_room(ticket)) as socket:
            socket.send_json(first)
            socket.receive_json()
    assert closed.value.code == 1008


def _call_lines(runtime: Runtime, ticket_id: int) -> tuple[list[str], list[str]]:
    with runtime.session() as session:
        return _read_call_lines(session, ticket_id)


def _read_call_lines(session, ticket_id: int) -> tuple[list[str], list[str]]:  # type: ignore[no-untyped-def]
    transcript = [m.text for m in session.scalars(select(Message).where(Message.ticket_id == ticket_id,
                                                                        Message.sender == Sender.system))]
    customer_chat = [d.payload.get("text") for d in session.scalars(select(Delivery).where(Delivery.ticket_id == ticket_id))]
    calls = ("Video call started.", "Video call ended.")
    return [t for t in transcript if t in calls], [t for t in customer_chat if t in calls]


def _wait_for_lines(runtime: Runtime, ticket_id: int, expected: list[str]) -> None:
    deadline = time.monotonic() + 20  # generous: the socket handler writes from a worker thread, on a busy machine
    while time.monotonic() < deadline:
        if _call_lines(runtime, ticket_id) == (expected, expected):
            return
        time.sleep(0.05)
    assert _call_lines(runtime, ticket_id) == (expected, expected)


def test_call_start_and_end_are_written_into_both_chats_once_and_a_restart_meets_the_waiting_customer(
        client, runtime, session) -> None:
    ticket, stream_token = _claimed_video_ticket(client, runtime, session, "video-restart")
    with client.websocket_connect(_room(ticket)) as customer:
        customer.send_json({"type": "auth", "token": ticket["customer_token"]})
        with client.websocket_connect(_room(ticket)) as agent:
            agent.send_json({"type": "auth", "token": stream_token})
            assert customer.receive_json() == {"type": "ready"} and agent.receive_json() == {"type": "ready"}
            agent.send_json({"type": "call", "state": "started"})
            agent.send_json({"type": "call", "state": "started"})  # reported twice, written once
            agent.send_json({"type": "hangup"})
            assert customer.receive_json() == {"type": "hangup"}
            agent.send_json({"type": "call", "state": "ended"})
            _wait_for_lines(runtime, ticket["id"], ["Video call started.", "Video call ended."])
        assert customer.receive_json() == {"type": "peer-left"}
        # The customer stays in the room after a hang-up: the agent's second Start meets them at once.
        with client.websocket_connect(_room(ticket)) as agent:
            agent.send_json({"type": "auth", "token": stream_token})
            assert customer.receive_json() == {"type": "ready"} and agent.receive_json() == {"type": "ready"}
            agent.send_json({"type": "call", "state": "started"})
            _wait_for_lines(runtime, ticket["id"], ["Video call started.", "Video call ended.", "Video call started."])
        # The agent's console went away mid-call: the call is ended in both chats all the same.
        _wait_for_lines(runtime, ticket["id"], ["Video call started.", "Video call ended.", "Video call started.",
                                                "Video call ended."])


def test_only_the_agent_reports_the_call(client, runtime, session) -> None:
    ticket, _ = _claimed_video_ticket(client, runtime, session, "video-customer-reports")
    with client.websocket_connect(_room(ticket)) as customer:
        customer.send_json({"type": "auth", "token": ticket["customer_token"]})
        customer.send_json({"type": "call", "state": "started"})
        assert customer.receive_json() == {"type": "error", "message": "unknown signal type"}
    assert _call_lines(runtime, ticket["id"]) == ([], [])


def test_typing_is_relayed_both_ways(client, runtime, session) -> None:
    ticket, stream_token = _claimed_video_ticket(client, runtime, session, "video-typing")
    with client.websocket_connect(_room(ticket)) as customer:
        customer.send_json({"type": "auth", "token": ticket["customer_token"]})
        with client.websocket_connect(_room(ticket)) as agent:
            agent.send_json({"type": "auth", "token": stream_token})
            assert customer.receive_json() == {"type": "ready"} and agent.receive_json() == {"type": "ready"}
            customer.send_json({"type": "typing"})
            assert agent.receive_json() == {"type": "typing"}
            agent.send_json({"type": "typing"})
            assert customer.receive_json() == {"type": "typing"}


@pytest.mark.parametrize("delay, admitted", [(0.3, True), (0.8, False)])
def test_the_token_must_come_within_the_auth_time(client, runtime, session, delay, admitted) -> None:
    # HANDOFF_VIDEO_AUTH_TIMEOUT_SECONDS is 0.5 here: a token a little before it is admitted, one after it is not.
    ticket, stream_token = _claimed_video_ticket(client, runtime, session, f"video-auth-time-{delay}")
    with client.websocket_connect(_room(ticket)) as agent:
        agent.send_json({"type": "auth", "token": stream_token})
        with client.websocket_connect(_room(ticket)) as customer:
            time.sleep(delay)
            customer.send_json({"type": "auth", "token": ticket["customer_token"]})
            if admitted:
                assert customer.receive_json() == {"type": "ready"}
            else:
                with pytest.raises(WebSocketDisconnect) as closed:
                    customer.receive_json()
                assert closed.value.code == 1008
