"""HTTP API on both backends: flows, auth (401/403), 404, 409, 413, 422, customer token isolation."""
from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from handoff_service.runtime import Runtime

from .helpers import AGENT_PASSWORD, agent_headers, make_agent, service_headers

XSS = '<img src=x onerror="alert(1)"><script>alert(2)</script>'


def create(client: TestClient, conversation_id: str = "conv-api", **extra: Any) -> Any:
    body = {
        "conversation_id": conversation_id,
        "channel": "socketio",
        "customer_first_name": "Ann",
        "reasons": ["bereavement"],
        "priority": "high",
        "intensity": 0.82,
        "dominant_emotion": "sadness",
        "emotion_timeline": [{"turn": 1, "intensity": 0.4, "emotion": "worry"}, {"turn": 2, "intensity": 0.82}],
        "slots": {"policy_number": "LF-1234"},
        "transcript": [{"sender": "customer", "text": "My husband died last week. I need help with policy LF-1234."}],
        **extra,
    }
    return client.post("/api/v1/tickets", json=body, headers=service_headers())


def test_health(client: TestClient) -> None:
    assert client.get("/health").json() == {"status": "ok", "database": "ok", "event_bus": "in-process"}


def test_create_returns_201_then_200_with_token_queue_and_availability(client: TestClient) -> None:
    first = create(client)
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["status"] == "queued" and body["customer_token"]
    assert body["queue"]["position"] == 1 and body["queue"]["availability"]["agents_online"] == 0
    assert body["queue"]["availability"]["offline_option"] == "callback"
    assert body["summary_source"] == "understood" and "LF-1234" in body["summary"]
    again = create(client)
    assert again.status_code == 200 and again.json()["id"] == body["id"]


def test_a_message_written_while_waiting_is_acknowledged_unless_it_cancels(client: TestClient) -> None:
    ticket = create(client).json()
    cancelling = {"text": "stop, cancel that", "external_id": "rasa-evt-1", "acknowledge": False}
    assert client.post("/api/v1/conversations/conv-api/messages", json=cancelling,
                       headers=service_headers()).status_code == 201
    waiting = {"text": "is anyone there?", "external_id": "rasa-evt-2"}
    assert client.post("/api/v1/conversations/conv-api/messages", json=waiting,
                       headers=service_headers()).status_code == 201
    token = {"Authorization": f"Bearer {ticket['customer_token']}"}
    told = client.get(f"/api/v1/tickets/{ticket['id']}/customer-messages", headers=token).json()
    assert [m["text"] for m in told if m["sender"] == "system"] == ["Thanks, I've added that to your request, so the colleague who joins will "
                                         "see it. You're next in the queue."]


def test_full_agent_flow(client: TestClient, runtime: Runtime, session: Session) -> None:
    agent = make_agent(session, "Sam", email="sam@heard.example")
    session.commit()
    ticket = create(client).json()
    login = client.post("/api/v1/auth/login", json={"email": "SAM@heard.example", "password": AGENT_PASSWORD})
    assert login.status_code == 200
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
    assert client.put("/api/v1/agents/me/presence", json={"presence": "online"}, headers=headers).json()["presence"] == "online"
    queue = client.get("/api/v1/queue", headers=headers).json()
    assert [item["ticket"]["id"] for item in queue] == [ticket["id"]]
    claimed = client.post("/api/v1/queue/claim-next", headers=headers)
    assert claimed.status_code == 200 and claimed.json()["assigned_agent"] == {"id": agent.id, "name": "Sam"}
    assert claimed.json()["transcript"][0]["text"].startswith("My husband died")
    relay = {"text": "Are you still there?", "external_id": "rasa-evt-7"}
    by_conv = client.post("/api/v1/conversations/conv-api/messages", json=relay, headers=service_headers())
    retried = client.post(f"/api/v1/tickets/{ticket['id']}/messages", json=relay, headers=service_headers())
    assert (by_conv.status_code, retried.status_code) == (201, 200) and by_conv.json()["id"] == retried.json()["id"]
    reply = client.post(f"/api/v1/tickets/{ticket['id']}/replies", json={"text": "Yes, I'm here."}, headers=headers)
    assert reply.status_code == 201
    detail = client.get(f"/api/v1/tickets/{ticket['id']}", headers=headers).json()
    assert [m["sender"] for m in detail["messages"]] == ["system", "customer", "agent"]
    newer = client.get(f"/api/v1/tickets/{ticket['id']}/messages?after_id={by_conv.json()['id']}", headers=headers)
    assert [m["text"] for m in newer.json()] == ["Yes, I'm here."]
    resolved = client.post(f"/api/v1/tickets/{ticket['id']}/resolve", headers=headers)
    assert resolved.status_code == 200 and resolved.json()["status"] == "resolved"
    survey = {"conversation_id": "conv-api", "score": 10, "comment": "Sam was lovely"}
    stored = client.post("/api/v1/surveys", json=survey, headers=service_headers())
    assert stored.status_code == 201 and stored.json()["ticket_id"] == ticket["id"]
    assert client.post("/api/v1/surveys", json=survey, headers=service_headers()).status_code == 200


def test_missing_or_wrong_tokens(client: TestClient, runtime: Runtime, session: Session) -> None:
    ticket = create(client).json()
    assert client.post("/api/v1/tickets", json={"conversation_id": "x"}).status_code == 401
    assert client.post("/api/v1/tickets", json={"conversation_id": "x"}, headers={"Authorization": "Bearer nope"}).status_code == 401
    assert client.get("/api/v1/queue").status_code == 401
    # A customer token is not an agent token, and the service token is not either.
    customer = {"Authorization": f"Bearer {ticket['customer_token']}"}
    assert client.get("/api/v1/queue", headers=customer).status_code == 401
    assert client.get("/api/v1/queue", headers=service_headers()).status_code == 401
    bad_login = client.post("/api/v1/auth/login", json={"email": "nobody@heard.example", "password": "x"})
    assert bad_login.status_code == 401


def test_customer_sees_only_their_own_ticket(client: TestClient) -> None:
    mine = create(client, "conv-mine").json()
    other = create(client, "conv-other").json()
    headers = {"Authorization": f"Bearer {mine['customer_token']}"}
    own = client.get(f"/api/v1/tickets/{mine['id']}/status", headers=headers)
    assert own.status_code == 200 and own.json()["position"] == 1
    assert client.get(f"/api/v1/tickets/{other['id']}/status", headers=headers).status_code == 403
    assert client.get(f"/api/v1/tickets/{other['id']}", headers=headers).status_code == 401
    assert client.get(f"/api/v1/tickets/{other['id']}/status", headers=service_headers()).json()["position"] == 2


def test_only_the_assigned_agent_and_allowed_transitions(client: TestClient, runtime: Runtime, session: Session) -> None:
    sam, kai = make_agent(session, "Sam"), make_agent(session, "Kai")
    session.commit()
    ticket_id = create(client).json()["id"]
    assert client.post(f"/api/v1/tickets/{ticket_id}/resolve", headers=agent_headers(runtime, sam)).status_code == 409
    assert client.post(f"/api/v1/tickets/{ticket_id}/claim", headers=agent_headers(runtime, sam)).status_code == 200
    assert client.post(f"/api/v1/tickets/{ticket_id}/claim", headers=agent_headers(runtime, kai)).status_code == 409
    kai_h = agent_headers(runtime, kai)
    assert client.post(f"/api/v1/tickets/{ticket_id}/replies", json={"text": "hi"}, headers=kai_h).status_code == 403
    assert client.post(f"/api/v1/tickets/{ticket_id}/release", headers=kai_h).status_code == 403
    assert client.post(f"/api/v1/tickets/{ticket_id}/resolve", headers=kai_h).status_code == 403
    moved = client.post(
        f"/api/v1/tickets/{ticket_id}/transfer", json={"to_agent_id": kai.id}, headers=agent_headers(runtime, sam)
    )
    assert moved.status_code == 200 and moved.json()["assigned_agent"]["name"] == "Kai"
    assert client.post(f"/api/v1/tickets/{ticket_id}/release", headers=kai_h).json()["status"] == "queued"
    assert client.post("/api/v1/queue/claim-next", headers=kai_h).json()["id"] == ticket_id
    assert client.post("/api/v1/queue/claim-next", headers=kai_h).status_code == 404
    assert client.post(f"/api/v1/tickets/{ticket_id}/abandon", headers=service_headers()).json()["status"] == "abandoned"
    assert client.post(f"/api/v1/tickets/{ticket_id}/abandon", headers=service_headers()).status_code == 409
    relay = client.post(f"/api/v1/tickets/{ticket_id}/messages", json={"text": "hello?"}, headers=service_headers())
    assert relay.status_code == 409


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/tickets/424242"),
        ("post", "/api/v1/tickets/424242/claim"),
        ("get", "/api/v1/tickets/424242/messages"),
    ],
)
def test_unknown_ids_are_404_for_agents(
    client: TestClient, runtime: Runtime, session: Session, method: str, path: str
) -> None:
    agent = make_agent(session, "Sam")
    session.commit()
    assert client.request(method, path, headers=agent_headers(runtime, agent)).status_code == 404


def test_unknown_ids_are_404_for_the_bot(client: TestClient) -> None:
    h = service_headers()
    assert client.get("/api/v1/tickets/424242/status", headers=h).status_code == 404
    assert client.post("/api/v1/tickets/424242/messages", json={"text": "x"}, headers=h).status_code == 404
    assert client.post("/api/v1/conversations/nope/messages", json={"text": "x"}, headers=h).status_code == 404
    assert client.get("/api/v1/conversations/nope/ticket", headers=h).status_code == 404
    assert client.post("/api/v1/surveys", json={"conversation_id": "c", "ticket_id": 424242, "score": 3}, headers=h).status_code == 404


def test_bad_input_gets_clear_errors(client: TestClient) -> None:
    h = {**service_headers(), "Content-Type": "application/json"}
    malformed = client.post("/api/v1/tickets", content=b'{"conversation_id": ', headers=h)
    assert malformed.status_code == 422 and "not valid JSON" in malformed.json()["message"]
    missing = client.post("/api/v1/tickets", json={"channel": "web"}, headers=service_headers())
    assert missing.status_code == 422 and "conversation_id" in missing.json()["message"]
    nul = client.post("/api/v1/tickets", json={"conversation_id": "a\u0000b"}, headers=service_headers())
    assert nul.status_code == 422
    nan = client.post("/api/v1/tickets", content=b'{"conversation_id": "c", "slots": {"x": NaN}}', headers=h)
    assert nan.status_code == 422 and "finite" in nan.json()["message"]
    score = client.post("/api/v1/surveys", json={"conversation_id": "c", "score": 11}, headers=service_headers())
    assert score.status_code == 422
    huge = client.post("/api/v1/tickets", content=b'{"conversation_id": "' + b"x" * 70_000 + b'"}', headers=h)
    assert huge.status_code == 413

    def chunks():  # no Content-Length: limited while streaming
        for _ in range(20):
            yield b"x" * 5_000

    streamed = client.post("/api/v1/tickets", content=chunks(), headers=h)
    assert streamed.status_code == 413


def test_html_is_stored_and_returned_raw_as_plain_text(client: TestClient, runtime: Runtime, session: Session) -> None:
    agent = make_agent(session, "Sam")
    session.commit()
    created = create(client, customer_first_name=XSS, slots={"note": XSS}).json()
    assert created["customer_first_name"] == XSS
    detail = client.get(f"/api/v1/tickets/{created['id']}", headers=agent_headers(runtime, agent))
    assert detail.headers["content-type"].startswith("application/json")
    assert detail.json()["slots"]["note"] == XSS


def test_conversation_ids_with_slashes_and_spaces_route(client: TestClient) -> None:
    conversation_id = "web/abc 1?x=2"
    created = create(client, conversation_id).json()
    quoted = "web%2Fabc%201%3Fx%3D2"
    found = client.get(f"/api/v1/conversations/{quoted}/ticket", headers=service_headers())
    assert found.status_code == 200 and found.json()["id"] == created["id"]
    relayed = client.post(f"/api/v1/conversations/{quoted}/messages", json={"text": "hi"}, headers=service_headers())
    assert relayed.status_code == 201 and relayed.json()["ticket_id"] == created["id"]
    assert client.post(f"/api/v1/conversations/{quoted}/abandon", headers=service_headers()).json()["status"] == "abandoned"


def test_callback_instead_of_waiting(client: TestClient) -> None:
    ticket = create(client).json()
    body = {"phone": "+44 7700 900123", "preferred_time": "tomorrow 9-11"}
    changed = client.post(f"/api/v1/tickets/{ticket['id']}/callback", json=body, headers=service_headers())
    assert changed.status_code == 200
    assert (changed.json()["preferred_mode"], changed.json()["callback_phone"]) == ("callback", "+44 7700 900123")
    availability = client.get("/api/v1/availability", headers=service_headers()).json()
    assert availability == {"agents_online": 0, "within_hours": True, "next_opening": None, "offline_option": "callback"}


def test_console_page_is_served_with_a_strict_csp(client: TestClient) -> None:
    page = client.get("/console")
    assert page.status_code == 200 and "script-src 'self'" in page.headers["content-security-policy"]
    assert client.get("/console/static/console.js").status_code == 200
    assert client.get("/console/static/../app.py").status_code == 404
