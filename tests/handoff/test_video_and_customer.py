"""Video room signalling, the customer's own messages (REST polling) and the website chat page."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from starlette.websockets import WebSocketDisconnect

from handoff_service.runtime import Runtime

from .helpers import agent_headers, make_agent, service_headers


def _ticket(client: TestClient, conversation_id: str, mode: str = "video") -> dict:
    response = client.post("/api/v1/tickets", json={"conversation_id": conversation_id, "preferred_mode": mode,
                                                    "customer_first_name": "Priya"}, headers=service_headers())
    assert response.status_code == 201, response.text
    return response.json()


def _claimed_by(client: TestClient, runtime: Runtime, session: Session, ticket: dict, name: str = "Sam"):
    agent = make_agent(session, name)
    session.commit()
    headers = agent_headers(runtime, agent)
    assert client.post(f"/api/v1/tickets/{ticket['id']}/claim", headers=headers).status_code == 200
    return agent, headers


def test_video_ticket_gets_a_room_and_chat_ticket_does_not(client: TestClient) -> None:
    video = _ticket(client, "conv-video-room")
    assert video["video_room"] == f"/api/v1/video/{video['id']}/signal"
    assert _ticket(client, "conv-chat-room", mode="chat")["video_room"] is None


def test_customer_and_assigned_agent_meet_and_signals_are_relayed(client, runtime, session) -> None:
    ticket = _ticket(client, "conv-video-signal")
    _agent, headers = _claimed_by(client, runtime, session, ticket)
    stream_token = client.post("/api/v1/auth/stream-token", headers=headers).json()["token"]
    room = f"/api/v1/video/{ticket['id']}/signal"
    with client.websocket_connect(room) as customer:
        customer.send_json({"type": "auth", "token": ticket["customer_token"]})
        with client.websocket_connect(room) as agent:
            agent.send_json({"type": "auth", "token": stream_token})
            assert customer.receive_json() == {"type": "ready"}
            assert agent.receive_json() == {"type": "ready"}
            offer = {"type": "description", "description": {"type": "offer", "sdp": "v=0"}}
            agent.send_json(offer)
            assert customer.receive_json() == offer
            candidate = {"type": "candidate", "candidate": {"candidate": "candidate:1 1 udp 1 127.0.0.1 9 typ host"}}
            customer.send_json(candidate)
            assert agent.receive_json() == candidate
            customer.send_text("not json")
            assert customer.receive_json()["type"] == "error"
        assert customer.receive_json() == {"type": "peer-left"}


@pytest.mark.parametrize("who", ["other ticket's customer", "unassigned agent", "no token", "garbage"])
def test_nobody_else_can_join_a_room(client, runtime, session, who) -> None:
    ticket = _ticket(client, f"conv-video-guard-{who}")
    other = _ticket(client, f"conv-video-other-{who}")
    _claimed_by(client, runtime, session, ticket, name="Sam")
    intruder = make_agent(session, "Alex", email=f"alex-{abs(hash(who))}@heard.example")
    session.commit()
    stream = client.post("/api/v1/auth/stream-token", headers=agent_headers(runtime, intruder)).json()["token"]
    token = {"other ticket's customer": other["customer_token"], "unassigned agent": stream,
             "no token": "", "garbage": "abc.def"}[who]
    with pytest.raises(WebSocketDisconnect):
        with client.websocket_connect(f"/api/v1/video/{ticket['id']}/signal") as socket:
            socket.send_json({"type": "auth", "token": token})
            socket.receive_json()


def test_customer_reads_their_own_conversation_with_the_agent(client, runtime, session) -> None:
    ticket = _ticket(client, "conv-rest-poll", mode="chat")
    _agent, headers = _claimed_by(client, runtime, session, ticket)
    client.post(f"/api/v1/tickets/{ticket['id']}/replies", json={"text": "Hi Priya, I'm Sam."}, headers=headers)
    customer = {"Authorization": f"Bearer {ticket['customer_token']}"}
    messages = client.get(f"/api/v1/tickets/{ticket['id']}/customer-messages", headers=customer)
    assert messages.status_code == 200
    texts = [m["text"] for m in messages.json()]
    assert "Hi Priya, I'm Sam." in texts
    last = messages.json()[-1]["id"]
    newer = client.get(f"/api/v1/tickets/{ticket['id']}/customer-messages?after_id={last}", headers=customer)
    assert newer.json() == []


def test_a_customer_cannot_read_another_customers_messages(client) -> None:
    mine = _ticket(client, "conv-mine", mode="chat")
    theirs = _ticket(client, "conv-theirs", mode="chat")
    response = client.get(f"/api/v1/tickets/{theirs['id']}/customer-messages",
                          headers={"Authorization": f"Bearer {mine['customer_token']}"})
    assert response.status_code == 403
    assert client.get(f"/api/v1/tickets/{theirs['id']}/customer-messages").status_code == 401


def test_widget_its_demo_host_page_and_its_config_are_served(client) -> None:
    page = client.get("/chat/")
    assert page.status_code == 200 and '<script src="widget.js"' in page.text  # the one tag a host page needs
    for asset in ("/chat/widget.js", "/chat/widget.css", "/chat/video.js", "/chat/vendor/socket.io-4.7.5.min.js"):
        assert client.get(asset).status_code == 200, asset
    config = client.get("/chat/config.json")
    assert config.status_code == 200 and config.headers["access-control-allow-origin"] == "*"
    assert set(config.json()) == {"rasaUrl", "handoffUrl", "attachmentMaxBytes"}
    assert config.json()["attachmentMaxBytes"] == client.app.state.runtime.settings.attachment_max_bytes
