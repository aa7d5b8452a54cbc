"""Attachments: a customer sends a photo or PDF to their own ticket; the type is read from the bytes,
the size is checked against the limit (just below, at, just above), and agents list and open them."""
from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings as hsettings, strategies as st

from handoff_service.config import Settings, replace_settings
from handoff_service.services.attachments import clean_file_name, sniff_content_type

from .helpers import agent_headers, make_agent, service_headers

LIMIT = 2048
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 100
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
PDF = b"%PDF-1.7\n" + b"0" * 100
HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic"


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    return replace_settings(settings, attachments_dir=str(tmp_path / "attachments"), attachment_max_bytes=LIMIT,
                            attachments_per_ticket=3)


def _ticket(client: TestClient, conversation_id: str) -> dict:
    return client.post("/api/v1/tickets", headers=service_headers(),
                       json={"conversation_id": conversation_id, "customer_first_name": "Priya"}).json()


def _upload(client: TestClient, ticket: dict, content: bytes, name: str = "photo.jpg", token: str | None = None,
            content_type: str = "image/jpeg"):  # type: ignore[no-untyped-def]
    return client.post(f"/api/v1/tickets/{ticket['id']}/attachments", params={"name": name}, content=content,
                       headers={"Authorization": f"Bearer {token or ticket['customer_token']}",
                                "Content-Type": content_type})


@pytest.mark.parametrize("content, expected", [(JPEG, "image/jpeg"), (PNG, "image/png"), (PDF, "application/pdf"),
                                               (HEIC, "image/heic")])
def test_each_accepted_type_is_stored_and_shown_to_agents(client, runtime, session, content, expected) -> None:
    ticket = _ticket(client, f"attach-{expected}")
    created = _upload(client, ticket, content, name="../../etc/passwd\x00 <img src=x onerror=alert(1)>kitchen.jpg")
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["content_type"] == expected and body["size_bytes"] == len(content)
    assert body["file_name"] == "passwd <img src=x onerror=alert(1)>kitchen.jpg"  # no path, no control characters; raw text otherwise
    agent = make_agent(session, "Sam", email=f"sam-{expected.replace('/', '-')}@heard.example")
    session.commit()
    headers = agent_headers(runtime, agent)
    [listed] = client.get(f"/api/v1/tickets/{ticket['id']}/attachments", headers=headers).json()
    assert listed["id"] == body["id"]
    served = client.get(f"/api/v1/tickets/{ticket['id']}/attachments/{body['id']}/content", headers=headers)
    assert served.status_code == 200 and served.content == content
    assert served.headers["content-type"].startswith(expected)
    assert served.headers["x-content-type-options"] == "nosniff" and "sandbox" in served.headers["content-security-policy"]
    # The agent sees it arrive in the transcript too.
    texts = [m["text"] for m in client.get(f"/api/v1/tickets/{ticket['id']}/messages", headers=headers).json()]
    assert any(t.startswith("The customer sent ") and "kitchen" in t for t in texts)


@pytest.mark.parametrize("content", [b"<script>alert(1)</script>", b"MZ\x90\x00" + b"\x00" * 50, b"GIF89a" + b"\x00" * 20,
                                     b"", b"\x00\x00\x00\x18ftypisom\x00\x00\x00\x00", b"\xff\xd8"])
def test_anything_else_is_refused_by_its_content_whatever_its_name(client, content) -> None:
    ticket = _ticket(client, f"attach-refused-{abs(hash(content))}")
    refused = _upload(client, ticket, content, name="photo.jpg", content_type="image/jpeg")
    assert refused.status_code == 415
    assert "JPEG, PNG, HEIC" in refused.json()["detail"]


@pytest.mark.parametrize("size, status", [(LIMIT - 1, 201), (LIMIT, 201), (LIMIT + 1, 413)])
def test_size_limit(client, size, status) -> None:
    ticket = _ticket(client, f"attach-size-{size}")
    assert _upload(client, ticket, JPEG + b"\x00" * (size - len(JPEG))).status_code == status


def test_the_general_body_limit_still_applies_elsewhere(client) -> None:
    # The upload route's larger limit must not widen every other route's (max_body_bytes is 64 KiB in tests).
    response = client.post("/api/v1/tickets", headers={**service_headers(), "Content-Type": "application/json"},
                           content=b"{" + b" " * (64 * 1024) + b"}")
    assert response.status_code == 413


@pytest.mark.parametrize("count, status", [(2, 201), (3, 409)])
def test_files_per_ticket_limit(client, count, status) -> None:
    ticket = _ticket(client, f"attach-count-{count}")
    for _ in range(count):
        assert _upload(client, ticket, PNG).status_code == 201
    assert _upload(client, ticket, PNG).status_code == status


def test_only_the_tickets_own_customer_may_upload_and_only_agents_may_read(client, runtime, session) -> None:
    mine, theirs = _ticket(client, "attach-mine"), _ticket(client, "attach-theirs")
    assert _upload(client, theirs, PNG, token=mine["customer_token"]).status_code == 403
    assert _upload(client, theirs, PNG, token="garbage").status_code == 401
    created = _upload(client, mine, PNG).json()
    customer = {"Authorization": f"Bearer {mine['customer_token']}"}
    assert client.get(f"/api/v1/tickets/{mine['id']}/attachments", headers=customer).status_code == 401
    assert client.get(f"/api/v1/tickets/{mine['id']}/attachments/{created['id']}/content",
                      headers=customer).status_code == 401
    agent = make_agent(session, "Sam", email="sam-attach-cross@heard.example")
    session.commit()
    # Attachment ids are checked against the ticket in the path.
    assert client.get(f"/api/v1/tickets/{theirs['id']}/attachments/{created['id']}/content",
                      headers=agent_headers(runtime, agent)).status_code == 404


def test_a_closed_ticket_takes_no_more_files(client, runtime, session) -> None:
    ticket = _ticket(client, "attach-closed")
    agent = make_agent(session, "Sam", email="sam-attach-closed@heard.example")
    session.commit()
    headers = agent_headers(runtime, agent)
    assert client.post(f"/api/v1/tickets/{ticket['id']}/claim", headers=headers).status_code == 200
    assert client.post(f"/api/v1/tickets/{ticket['id']}/resolve", headers=headers).status_code == 200
    assert _upload(client, ticket, PNG).status_code == 409


@given(st.binary(max_size=32))
@hsettings(max_examples=300, deadline=None)
def test_sniffing_accepts_only_the_four_signatures(head: bytes) -> None:
    kind = sniff_content_type(head)
    assert kind in (None, "image/jpeg", "image/png", "application/pdf", "image/heic")
    if kind == "image/jpeg":
        assert head[:3] == b"\xff\xd8\xff"
    if kind is None:
        assert not head.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"%PDF-"))


@given(st.text(max_size=400))
def test_clean_file_name_never_keeps_a_path_or_control_characters(raw: str) -> None:
    name = clean_file_name(raw)
    assert "/" not in name and "\\" not in name and 0 < len(name) <= 120
    assert not any(ord(ch) < 32 or ord(ch) == 127 for ch in name)


def test_uploads_from_an_embedding_origin_pass_cors_and_other_origins_do_not(session_factory, settings) -> None:
    from handoff_service.app import build_runtime, create_app

    embedded = replace_settings(settings, widget_origins="https://www.insurer.example, https://m.insurer.example/")
    runtime = build_runtime(embedded, session_factory=session_factory)
    app = create_app(embedded, runtime=runtime)
    with TestClient(app) as client:
        ticket = _ticket(client, "attach-cors")
        path = f"/api/v1/tickets/{ticket['id']}/attachments"
        preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization,content-type"}
        allowed = client.options(path, headers={"Origin": "https://m.insurer.example", **preflight})
        assert allowed.status_code == 200 and allowed.headers["access-control-allow-origin"] == "https://m.insurer.example"
        refused = client.options(path, headers={"Origin": "https://evil.example", **preflight})
        assert "access-control-allow-origin" not in refused.headers
        upload = client.post(path, content=PNG, headers={"Origin": "https://www.insurer.example",
                                                         "Authorization": f"Bearer {ticket['customer_token']}"})
        assert upload.status_code == 201 and upload.headers["access-control-allow-origin"] == "https://www.insurer.example"
        # Other routes do not open up.
        other = client.options("/api/v1/tickets", headers={"Origin": "https://www.insurer.example", **preflight})
        assert "access-control-allow-origin" not in other.headers
