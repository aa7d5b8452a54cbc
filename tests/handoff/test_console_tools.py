"""Console API on both backends (issue #20): what the agent reads on a ticket (summary of what was understood,
transcript without payloads, customer context, policy numbers from the chat, live emotion on messages),
internal notes, suggested and saved replies, resolve outcome, history and search."""
from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from handoff_service.models import Delivery, Message
from handoff_service.runtime import Runtime

from .helpers import agent_headers, make_agent, service_headers

VIDEO = '/handoff_accept{"handoff_mode":"video"}'
CONTEXT = {"verified": True, "customer_name": "Priya Shah",
           "policies": [{"number": "HOM-204815", "product": "home", "status": "active"}],
           "open_claims": [{"reference": "CLM-20814", "status": "open"}]}


def create(client: TestClient, conversation_id: str, **extra: Any) -> dict[str, Any]:
    body = {
        "conversation_id": conversation_id,
        "customer_first_name": "Priya",
        "reasons": ["Strong emotion in one message \u2014 waiting time: \u201cnobody has called me\u201d"],
        "trigger": "high_intensity",
        "intensity": 0.8,
        "emotion_timeline": [{"turn": 0, "intensity": 0.3, "band": "mild"}, {"turn": 1, "intensity": 0.8, "band": "upset"}],
        "slots": {"incident_type": "water_damage"},
        "transcript": [
            {"sender": "customer", "text": "my policy is hom 204815"},
            {"sender": "customer", "text": "The water damage is three weeks old and nobody has called me.", "intensity": 0.8},
            {"sender": "bot", "text": "Shall I get a person?", "buttons": [{"title": "Video call", "payload": VIDEO}]},
            {"sender": "customer", "text": VIDEO},
        ],
        "preferred_mode": "video",
        **extra,
    }
    response = client.post("/api/v1/tickets", json=body, headers=service_headers())
    assert response.status_code == 201, response.text
    return response.json()


def claim(client: TestClient, headers: dict[str, str], ticket_id: int) -> dict[str, Any]:
    response = client.post(f"/api/v1/tickets/{ticket_id}/claim", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_the_ticket_reads_as_understood_without_payloads(client: TestClient, runtime: Runtime, session: Session) -> None:
    headers = agent_headers(runtime, make_agent(session, "Sam"))
    session.commit()
    created = create(client, "tools-read", customer_context=CONTEXT)
    assert created["summary_source"] == "understood" and "handoff_accept" not in created["summary"]
    assert created["summary"].startswith("Reason: Strong emotion in one message \u2014 waiting time\n")
    detail = claim(client, headers, created["id"])
    assert detail["customer_context"] == CONTEXT
    assert detail["transcript"][-1] == {"sender": "customer", "text": "Video call", "choice": True}
    assert VIDEO not in str(detail["transcript"])
    assert detail["mentioned_policies"] == ["HOM-204815"]
    understood = detail["understood"]
    assert understood["incident"] == "Water damage" and understood["wants"] == "to talk to a person by video call"
    assert (understood["band"], understood["concern"]) == ("upset", "water_damage")
    assert understood["details"] == []  # the number written in the chat is the verified policy: not repeated


def test_an_unverified_context_is_kept_as_such_and_bad_context_is_refused(client: TestClient) -> None:
    created = create(client, "tools-unverified", customer_context={"customer_name": "Tom"})
    assert created["customer_context"] == {"verified": False, "customer_name": "Tom", "policies": [], "open_claims": []}
    bad = client.post("/api/v1/tickets", headers=service_headers(),
                      json={"conversation_id": "tools-bad", "customer_context": {"policies": [{"product": "home"}]}})
    assert bad.status_code == 422 and "number" in bad.json()["message"]
    assert create(client, "tools-none")["customer_context"] is None


def test_a_relayed_message_carries_its_emotion_to_the_console(client: TestClient, runtime: Runtime,
                                                              session: Session) -> None:
    headers = agent_headers(runtime, make_agent(session, "Sam"))
    session.commit()
    created = create(client, "tools-emotion")
    sent = client.post(f"/api/v1/tickets/{created['id']}/messages", headers=service_headers(),
                       json={"text": "I can't go on like this", "intensity": 0.93, "emotion": "sadness", "band": "at_risk"})
    assert sent.status_code == 201 and (sent.json()["intensity"], sent.json()["band"]) == (0.93, "at_risk")
    out_of_range = client.post(f"/api/v1/tickets/{created['id']}/messages", headers=service_headers(),
                               json={"text": "x", "intensity": 1.01})
    assert out_of_range.status_code == 422
    detail = client.get(f"/api/v1/tickets/{created['id']}", headers=headers).json()
    assert detail["understood"]["band"] == "at_risk"  # the latest message decides
    suggestions = client.get(f"/api/v1/tickets/{created['id']}/suggestions", headers=headers).json()
    assert suggestions[0]["id"] == "safety_first" and suggestions[0]["text"].startswith("Priya, thank you")
    assert 2 <= len(suggestions) <= 3


def test_a_note_is_for_agents_only_and_never_reaches_the_customer(client: TestClient, runtime: Runtime,
                                                                  session: Session) -> None:
    sam = make_agent(session, "Sam")
    other = make_agent(session, "Lee")
    session.commit()
    created = create(client, "tools-note")
    claim(client, agent_headers(runtime, sam), created["id"])
    deliveries_before = session.scalar(select(func.count(Delivery.id)))
    note = client.post(f"/api/v1/tickets/{created['id']}/notes", headers=agent_headers(runtime, other),
                       json={"text": "Customer prefers e-mail <b>after 6</b>"})
    assert note.status_code == 201 and note.json()["agent"]["name"] == "Lee"
    assert session.scalar(select(func.count(Delivery.id))) == deliveries_before
    texts = session.scalars(select(Message.text).where(Message.ticket_id == created["id"])).all()
    assert all("after 6" not in text for text in texts)
    detail = client.get(f"/api/v1/tickets/{created['id']}", headers=agent_headers(runtime, sam)).json()
    assert [n["text"] for n in detail["notes"]] == ["Customer prefers e-mail <b>after 6</b>"]
    assert client.post("/api/v1/tickets/999999/notes", headers=agent_headers(runtime, sam),
                       json={"text": "x"}).status_code == 404
    assert client.post(f"/api/v1/tickets/{created['id']}/notes", headers=agent_headers(runtime, sam),
                       json={"text": ""}).status_code == 422
    assert client.post(f"/api/v1/tickets/{created['id']}/notes", json={"text": "x"}).status_code == 401


def test_saved_replies_belong_to_a_team(client: TestClient, runtime: Runtime, session: Session) -> None:
    sam, lee, kim = make_agent(session, "Sam"), make_agent(session, "Lee"), make_agent(session, "Kim")
    kim.team = "claims"
    session.commit()
    sam_h, lee_h, kim_h = (agent_headers(runtime, a) for a in (sam, lee, kim))
    made = client.post("/api/v1/saved-replies", headers=sam_h, json={"title": "Excess", "text": "Your excess is £250."})
    assert made.status_code == 201 and made.json()["team"] == "default"
    reply_id = made.json()["id"]
    assert client.post("/api/v1/saved-replies", headers=lee_h,
                       json={"title": "Excess", "text": "again"}).status_code == 409  # unique per team
    assert client.post("/api/v1/saved-replies", headers=kim_h, json={"title": "Excess", "text": "ok"}).status_code == 201
    assert [r["text"] for r in client.get("/api/v1/saved-replies", headers=lee_h).json()] == ["Your excess is £250."]
    assert client.put(f"/api/v1/saved-replies/{reply_id}", headers=kim_h,
                      json={"title": "Mine", "text": "x"}).status_code == 404  # another team's
    changed = client.put(f"/api/v1/saved-replies/{reply_id}", headers=lee_h, json={"title": "Excess (home)",
                                                                                   "text": "£250 on home."})
    assert changed.status_code == 200 and changed.json()["title"] == "Excess (home)"
    assert client.post("/api/v1/saved-replies", headers=sam_h, json={"title": "", "text": "x"}).status_code == 422
    assert client.delete(f"/api/v1/saved-replies/{reply_id}", headers=kim_h).status_code == 404
    assert client.delete(f"/api/v1/saved-replies/{reply_id}", headers=sam_h).status_code == 204
    assert client.get("/api/v1/saved-replies", headers=sam_h).json() == []


def test_resolve_records_the_outcome(client: TestClient, runtime: Runtime, session: Session) -> None:
    headers = agent_headers(runtime, make_agent(session, "Sam"))
    session.commit()
    first, second = create(client, "tools-out-1"), create(client, "tools-out-2")
    for ticket in (first, second):
        claim(client, headers, ticket["id"])
    bad = client.post(f"/api/v1/tickets/{first['id']}/resolve", headers=headers, json={"outcome": "sorted"})
    assert bad.status_code == 422
    done = client.post(f"/api/v1/tickets/{first['id']}/resolve", headers=headers, json={"outcome": "callback_arranged"})
    assert done.status_code == 200 and done.json()["outcome"] == "callback_arranged"
    plain = client.post(f"/api/v1/tickets/{second['id']}/resolve", headers=headers)  # older clients send no body
    assert plain.status_code == 200 and plain.json()["outcome"] is None


def test_search_and_a_customers_history(client: TestClient, runtime: Runtime, session: Session) -> None:
    headers = agent_headers(runtime, make_agent(session, "Sam"))
    session.commit()
    earlier = create(client, "tools-hist-1", slots={"policy_number": "HOM-204815"}, customer_first_name="Priya")
    claim(client, headers, earlier["id"])
    client.post(f"/api/v1/tickets/{earlier['id']}/resolve", headers=headers, json={"outcome": "answered"})
    unrelated = create(client, "tools-hist-2", customer_first_name="Tom", transcript=[], slots={})
    client.post(f"/api/v1/tickets/{unrelated['id']}/messages", headers=service_headers(), json={"text": "my 100%_sure boiler"})
    now = create(client, "tools-hist-3", transcript=[{"sender": "customer", "text": "policy HOM-204815 again"}], slots={})
    history = client.get(f"/api/v1/tickets/{now['id']}/history", headers=headers).json()
    assert [t["id"] for t in history] == [earlier["id"]] and history[0]["outcome"] == "answered"

    def ids(q: str, **params: str) -> list[int]:
        return [t["id"] for t in client.get("/api/v1/tickets", headers=headers, params={"q": q, **params}).json()]

    assert ids("hom-204815") == [now["id"], earlier["id"]]  # newest first, case-insensitive
    assert ids("boiler") == [unrelated["id"]]  # the text of live messages
    assert ids("tom") == [unrelated["id"]]
    assert ids("100%_") == [unrelated["id"]] and ids("%") == [unrelated["id"]]  # literal, not a wildcard
    assert ids("priya", status="resolved") == [earlier["id"]]
    assert len(ids("")) >= 3
    assert client.get("/api/v1/tickets", headers=headers, params={"q": "x" * 201}).status_code == 422
    assert client.get("/api/v1/tickets", params={"q": "x"}).status_code == 401
