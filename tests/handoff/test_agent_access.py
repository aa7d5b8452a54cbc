"""Agent access (issue #19): the sign-in brake, revocation, disabling, refresh, the second factor and
customer-token expiry, through the real API on both databases."""
from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from itsdangerous.timed import TimestampSigner
from sqlalchemy.orm import Session

from handoff_service import cli, totp
from handoff_service.app import build_runtime, create_app
from handoff_service.config import Settings, replace_settings
from handoff_service.models import Agent, LoginThrottle, utcnow
from handoff_service.runtime import Runtime
from handoff_service.services import agents as agent_service
from handoff_service.services import login_throttle
from handoff_service.services.agents import SignInAttempt, SignInRefused

from .helpers import AGENT_PASSWORD, make_agent, service_headers

LIMIT = 10  # HANDOFF_LOGIN_MAX_FAILURES_PER_ACCOUNT's default


@pytest.fixture
def hashes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Counts every argon2 verification sign-in makes."""
    calls: list[str] = []
    real = agent_service.verify_password

    def counting(password_hash: str | None, password: str) -> bool:
        calls.append(password)
        return real(password_hash, password)

    monkeypatch.setattr(agent_service, "verify_password", counting)
    return calls


def _login(client: TestClient, email: str, password: str, **extra: str):
    return client.post("/api/v1/auth/login", json={"email": email, "password": password, **extra})


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("failures_before", [LIMIT - 1, LIMIT])
def test_the_account_locks_at_the_limit_and_the_next_attempt_is_not_hashed(
        client: TestClient, session: Session, hashes: list[str], failures_before: int) -> None:
    agent = make_agent(session, "Lock")
    session.commit()
    for _ in range(failures_before):
        assert _login(client, agent.email, "wrong password").status_code == 401
    assert len(hashes) == failures_before
    # Below the limit the right password still gets in (and clears the count); at the limit it is refused unhashed.
    response = _login(client, agent.email, AGENT_PASSWORD)
    if failures_before < LIMIT:
        assert response.status_code == 200 and len(hashes) == failures_before + 1
        assert session.get(LoginThrottle, login_throttle._key("account", agent.email)) is None
    else:
        assert response.status_code == 429 and len(hashes) == LIMIT
        assert "Too many failed sign-ins for this account" in response.json()["detail"]
        assert 0 < int(response.headers["Retry-After"]) <= 900


def test_the_tenth_wrong_password_is_hashed_and_locks(client: TestClient, session: Session, hashes: list[str]) -> None:
    agent = make_agent(session, "Tenth")
    session.commit()
    for attempt in range(1, LIMIT + 2):
        response = _login(client, agent.email, "wrong password")
        assert response.status_code == (401 if attempt <= LIMIT else 429), attempt
    assert len(hashes) == LIMIT  # the eleventh cost no hash


def test_unknown_emails_are_throttled_alike(client: TestClient, hashes: list[str]) -> None:
    for _ in range(LIMIT):
        assert _login(client, "nobody@heard.example", "guess").status_code == 401
    assert _login(client, "nobody@heard.example", "guess").status_code == 429
    assert len(hashes) == LIMIT


def test_the_client_address_locks_across_accounts(runtime: Runtime, session: Session, hashes: list[str]) -> None:
    settings = replace_settings(runtime.settings, login_max_failures_per_address=3)
    victim = make_agent(session, "Victim")
    for n in range(3):
        with pytest.raises(SignInRefused) as refused:
            agent_service.sign_in(session=session, settings=settings, attempt=SignInAttempt(
                email=f"spray{n}@heard.example", password="x", address="203.0.113.9"))
        assert refused.value.status == 401
    with pytest.raises(SignInRefused) as refused:
        agent_service.sign_in(session=session, settings=settings, attempt=SignInAttempt(
            email=victim.email, password=AGENT_PASSWORD, address="203.0.113.9"))
    assert refused.value.status == 429 and "network address" in refused.value.message and len(hashes) == 3
    # Another address is not affected.
    assert agent_service.sign_in(session=session, settings=settings, attempt=SignInAttempt(
        email=victim.email, password=AGENT_PASSWORD, address="198.51.100.7")).id == victim.id


def test_a_lockout_ends_and_old_failures_fall_out_of_the_window(runtime: Runtime, session: Session) -> None:
    settings = replace_settings(runtime.settings, login_max_failures_per_account=2, login_max_failures_per_address=99)
    now = utcnow()
    email = "window@heard.example"

    def fail(at):  # noqa: ANN001
        login_throttle.record_failure(session=session, settings=settings, email=email, address=None, now=at)

    fail(now - timedelta(seconds=settings.login_failure_window_seconds + 1))
    fail(now)  # the first is outside the window: one failure counts, no lock
    assert login_throttle.lockout_for(session=session, email=email, address=None, now=now) is None
    fail(now + timedelta(seconds=1))  # the second within the window: locked
    locked = login_throttle.lockout_for(session=session, email=email, address=None, now=now + timedelta(seconds=2))
    assert locked is not None and locked.scope == "account"
    end = now + timedelta(seconds=1 + settings.login_lockout_seconds)
    assert login_throttle.lockout_for(session=session, email=email, address=None, now=end - timedelta(seconds=1))
    assert login_throttle.lockout_for(session=session, email=email, address=None, now=end) is None
    fail(end)  # after the lockout the count starts again: one failure does not lock
    assert login_throttle.lockout_for(session=session, email=email, address=None, now=end) is None


def test_unlock_agent_command_lifts_the_lockout(fresh_db_url: str, settings: Settings) -> None:
    runtime = build_runtime(replace_settings(settings, database_url=fresh_db_url))
    with runtime.session() as session:
        agent = make_agent(session, "Unlock")
        session.commit()
        email = agent.email
        for _ in range(LIMIT):
            login_throttle.record_failure(session=session, settings=runtime.settings, email=email, address=None)
        session.commit()
    with TestClient(create_app(runtime.settings, runtime=runtime)) as client:
        assert _login(client, email, AGENT_PASSWORD).status_code == 429
        assert cli.main(["unlock-agent", "--email", email, "--database-url", fresh_db_url]) == 0
        assert _login(client, email, AGENT_PASSWORD).status_code == 200


def test_logout_revokes_every_token_at_once(client: TestClient, session: Session) -> None:
    agent = make_agent(session, "Out")
    session.commit()
    tokens = _login(client, agent.email, AGENT_PASSWORD).json()
    stream = client.post("/api/v1/auth/stream-token", headers=_bearer(tokens["access_token"])).json()["token"]
    assert client.get("/api/v1/agents/me", headers=_bearer(tokens["access_token"])).status_code == 200
    assert client.post("/api/v1/auth/logout", headers=_bearer(tokens["access_token"])).status_code == 204
    assert client.get("/api/v1/agents/me", headers=_bearer(tokens["access_token"])).status_code == 401
    assert client.post("/api/v1/tickets/next/claim", headers=_bearer(tokens["access_token"])).status_code == 401
    assert client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}).status_code == 401
    assert client.get(f"/api/v1/events?token={stream}").status_code == 401
    session.refresh(agent)
    assert agent.presence.value == "away"
    # Signing in again works, with a fresh token.
    again = _login(client, agent.email, AGENT_PASSWORD).json()
    assert client.get("/api/v1/agents/me", headers=_bearer(again["access_token"])).status_code == 200


def test_a_password_change_revokes_old_tokens_and_returns_new_ones(client: TestClient, session: Session) -> None:
    agent = make_agent(session, "Change")
    session.commit()
    old = _login(client, agent.email, AGENT_PASSWORD).json()["access_token"]
    wrong = client.post("/api/v1/auth/password", headers=_bearer(old),
                        json={"current_password": "not it", "new_password": "a brand new password"})
    assert wrong.status_code == 400 and "current password" in wrong.json()["detail"]
    short = client.post("/api/v1/auth/password", headers=_bearer(old),
                        json={"current_password": AGENT_PASSWORD, "new_password": "x" * 11})
    assert short.status_code == 400 and "12 characters" in short.json()["detail"]
    changed = client.post("/api/v1/auth/password", headers=_bearer(old),
                          json={"current_password": AGENT_PASSWORD, "new_password": "x" * 12})
    assert changed.status_code == 200
    assert client.get("/api/v1/agents/me", headers=_bearer(old)).status_code == 401
    assert client.get("/api/v1/agents/me", headers=_bearer(changed.json()["access_token"])).status_code == 200
    assert _login(client, agent.email, AGENT_PASSWORD).status_code == 401
    assert _login(client, agent.email, "x" * 12).status_code == 200


def test_a_disabled_agent_is_out_at_once(fresh_db_url: str, settings: Settings) -> None:
    runtime = build_runtime(replace_settings(settings, database_url=fresh_db_url))
    with runtime.session() as session:
        email = make_agent(session, "Gone").email
        session.commit()
    with TestClient(create_app(runtime.settings, runtime=runtime)) as client:
        tokens = _login(client, email, AGENT_PASSWORD).json()
        assert client.get("/api/v1/agents/me", headers=_bearer(tokens["access_token"])).status_code == 200
        assert cli.main(["disable-agent", "--email", email, "--database-url", fresh_db_url]) == 0
        assert client.get("/api/v1/agents/me", headers=_bearer(tokens["access_token"])).status_code == 401
        assert client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}).status_code == 401
        refused = _login(client, email, AGENT_PASSWORD)
        assert refused.status_code == 403 and "disabled" in refused.json()["detail"]
        assert cli.main(["enable-agent", "--email", email, "--database-url", fresh_db_url]) == 0
        assert _login(client, email, AGENT_PASSWORD).status_code == 200
    assert cli.main(["disable-agent", "--email", "nobody@heard.example", "--database-url", fresh_db_url]) == 1


def _issued_seconds_ago(monkeypatch: pytest.MonkeyPatch, seconds: int):  # noqa: ANN202
    now = int(time.time())
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: now - seconds)
    return lambda: monkeypatch.undo()


@pytest.mark.parametrize(("age", "accepted"), [(895, True), (905, False)])
def test_access_tokens_live_fifteen_minutes_and_refresh_renews_them(
        client: TestClient, runtime: Runtime, session: Session, monkeypatch: pytest.MonkeyPatch,
        age: int, accepted: bool) -> None:
    agent = make_agent(session, "Short")
    session.commit()
    restore = _issued_seconds_ago(monkeypatch, age)
    access = runtime.signer.issue("agent", agent.id, agent.token_version)
    refresh = runtime.signer.issue("refresh", agent.id, agent.token_version)
    restore()
    assert client.get("/api/v1/agents/me", headers=_bearer(access)).status_code == (200 if accepted else 401)
    renewed = client.post("/api/v1/auth/refresh", json={"refresh_token": refresh})
    assert renewed.status_code == 200 and renewed.json()["expires_in"] == 900
    assert client.get("/api/v1/agents/me", headers=_bearer(renewed.json()["access_token"])).status_code == 200


@pytest.mark.parametrize(("age", "accepted"), [(43_195, True), (43_205, False)])
def test_refresh_tokens_end_with_their_own_life(client: TestClient, runtime: Runtime, session: Session,
                                                monkeypatch: pytest.MonkeyPatch, age: int, accepted: bool) -> None:
    agent = make_agent(session, "Long")
    session.commit()
    restore = _issued_seconds_ago(monkeypatch, age)
    refresh = runtime.signer.issue("refresh", agent.id, agent.token_version)
    restore()
    assert client.post("/api/v1/auth/refresh", json={"refresh_token": refresh}).status_code == (
        200 if accepted else 401)


def test_token_kinds_do_not_pass_for_each_other(client: TestClient, runtime: Runtime, session: Session) -> None:
    agent = make_agent(session, "Kinds")
    session.commit()
    refresh = runtime.signer.issue("refresh", agent.id, agent.token_version)
    access = runtime.signer.issue("agent", agent.id, agent.token_version)
    assert client.get("/api/v1/agents/me", headers=_bearer(refresh)).status_code == 401
    assert client.post("/api/v1/auth/refresh", json={"refresh_token": access}).status_code == 401


def _ticket(client: TestClient, conversation: str) -> dict:
    response = client.post("/api/v1/tickets", headers=service_headers(),
                           json={"conversation_id": conversation, "reasons": ["explicit_request"]})
    assert response.status_code == 201, response.text
    return response.json()


@pytest.mark.parametrize(("age", "status"), [(86_395, 200), (86_405, 401)])
def test_customer_tokens_expire(client: TestClient, runtime: Runtime, monkeypatch: pytest.MonkeyPatch,
                                age: int, status: int) -> None:
    ticket = _ticket(client, f"rest:expiry-{age}")
    restore = _issued_seconds_ago(monkeypatch, age)
    token = runtime.signer.issue("customer", ticket["id"])
    restore()
    assert client.get(f"/api/v1/tickets/{ticket['id']}/customer-messages",
                      headers=_bearer(token)).status_code == status


def test_customer_tokens_open_their_own_ticket_only(client: TestClient) -> None:
    mine, other = _ticket(client, "rest:mine"), _ticket(client, "rest:other")
    token = mine["customer_token"]
    assert client.get(f"/api/v1/tickets/{mine['id']}/customer-messages", headers=_bearer(token)).status_code == 200
    assert client.get(f"/api/v1/tickets/{other['id']}/customer-messages", headers=_bearer(token)).status_code == 403
    assert client.get("/api/v1/agents/me", headers=_bearer(token)).status_code == 401


# ---- second factor -----------------------------------------------------------------------------------------

RFC_6238_VECTORS = [  # RFC 6238 appendix B: (time, SHA-1, SHA-256, SHA-512), 8 digits
    (59, "94287082", "46119246", "90693936"), (1111111109, "07081804", "68084774", "25091201"),
    (1111111111, "14050471", "67062674", "99943326"), (1234567890, "89005924", "91819424", "93441116"),
    (2000000000, "69279037", "90698825", "38618901"), (20000000000, "65353130", "77737706", "47863826"),
]


@pytest.mark.parametrize(("at", "sha1", "sha256", "sha512"), RFC_6238_VECTORS)
def test_totp_matches_the_rfc_6238_vectors(at: int, sha1: str, sha256: str, sha512: str) -> None:
    seed = b"12345678901234567890"
    step = totp.time_step(at)
    assert totp.hotp(seed, step, digits=8) == sha1
    assert totp.hotp(seed + b"123456789012", step, digits=8, digest="sha256") == sha256
    assert totp.hotp(seed * 3 + b"1234", step, digits=8, digest="sha512") == sha512


def test_totp_accepts_one_step_of_drift_and_never_a_used_step() -> None:
    secret = totp.new_secret()
    at = 1_700_000_000.0
    for offset, ok in ((-60, False), (-30, True), (0, True), (30, True), (60, False)):
        code = totp.code_at(secret, at + offset)
        assert (totp.matching_step(secret, code, at=at) is not None) is ok, offset
    used = totp.matching_step(secret, totp.code_at(secret, at), at=at)
    assert totp.matching_step(secret, totp.code_at(secret, at), at=at, after_step=used) is None
    assert totp.matching_step(secret, "12345", at=at) is None and totp.matching_step(secret, "abcdef", at=at) is None


def test_sign_in_with_a_second_factor(client: TestClient, session: Session, hashes: list[str]) -> None:
    agent = make_agent(session, "Totp")
    secret = agent_service.enable_totp(session=session, agent=agent)
    session.commit()
    missing = _login(client, agent.email, AGENT_PASSWORD)
    assert missing.status_code == 401 and missing.headers["X-Heard-Second-Factor"] == "totp"
    wrong_code = str((int(totp.code_at(secret)) + 1) % 1_000_000).zfill(6)
    assert _login(client, agent.email, AGENT_PASSWORD, totp_code=wrong_code).status_code == 401
    assert session.get(LoginThrottle, login_throttle._key("account", agent.email)) is not None  # counted
    code = totp.code_at(secret)
    assert _login(client, agent.email, AGENT_PASSWORD, totp_code=code).status_code == 200
    replay = _login(client, agent.email, AGENT_PASSWORD, totp_code=code)
    assert replay.status_code == 401 and "already used" in replay.json()["detail"]
    assert _login(client, agent.email, "wrong", totp_code=totp.code_at(secret)).status_code == 401


def test_totp_commands(fresh_db_url: str, settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    runtime = build_runtime(replace_settings(settings, database_url=fresh_db_url))
    with runtime.session() as session:
        email = make_agent(session, "Cli").email
        session.commit()
    assert cli.main(["enable-totp", "--email", email, "--database-url", fresh_db_url]) == 0
    out = capsys.readouterr().out
    assert "otpauth://totp/Heard:" in out
    with runtime.session() as session:
        agent = session.query(Agent).filter_by(email=email).one()
        assert agent.totp_secret and agent.totp_secret in out
    assert cli.main(["disable-totp", "--email", email, "--database-url", fresh_db_url]) == 0
    with runtime.session() as session:
        assert session.query(Agent).filter_by(email=email).one().totp_secret is None


def test_set_password_command_pins_the_minimum(fresh_db_url: str, settings: Settings) -> None:
    runtime = build_runtime(replace_settings(settings, database_url=fresh_db_url))
    with runtime.session() as session:
        email = make_agent(session, "Pw").email
        session.commit()
    base = ["set-password", "--email", email, "--database-url", fresh_db_url, "--password"]
    assert cli.main([*base, "y" * 11]) == 2
    assert cli.main([*base, "y" * 12]) == 0
    with runtime.session() as session:
        agent = session.query(Agent).filter_by(email=email).one()
        assert agent.token_version == 1 and agent_service.authenticate(
            session=session, email=email, password="y" * 12) is not None


def test_spent_sign_in_counts_are_forgotten(runtime: Runtime, session: Session) -> None:
    settings = replace_settings(runtime.settings, login_max_failures_per_account=2, login_max_failures_per_address=99)
    now = utcnow()
    window = timedelta(seconds=settings.login_failure_window_seconds)
    for email, at, times in (("stale@x.example", now - window, 1), ("fresh@x.example", now - window + timedelta(
            seconds=1), 1), ("locked@x.example", now - window - timedelta(seconds=5), 2)):
        for _ in range(times):
            login_throttle.record_failure(session=session, settings=settings, email=email, address=None, now=at)
    # Its window has passed, but its lockout still runs: kept until the lockout ends.
    locked = session.get(LoginThrottle, login_throttle._key("account", "locked@x.example"))
    locked.locked_until = now + timedelta(seconds=1)
    session.flush()
    assert login_throttle.prune(session=session, settings=settings, now=now) == 1
    left = {row.key for row in session.query(LoginThrottle)}
    assert login_throttle._key("account", "stale@x.example") not in left
    assert {login_throttle._key("account", "fresh@x.example"), login_throttle._key("account", "locked@x.example")} <= left


def test_disabling_puts_the_agents_conversations_back_in_the_queue(client: TestClient, runtime: Runtime,
                                                                    session: Session) -> None:
    from handoff_service.models import Ticket, TicketStatus
    from handoff_service.services import claims

    leaver, colleague = make_agent(session, "Leaver"), make_agent(session, "Colleague")
    mine = _ticket(client, "rest:held-by-leaver")
    theirs = _ticket(client, "rest:held-by-colleague")
    claims.claim_ticket(session=session, settings=runtime.settings, agent_id=leaver.id, ticket_id=mine["id"])
    claims.claim_ticket(session=session, settings=runtime.settings, agent_id=colleague.id, ticket_id=theirs["id"])
    session.commit()
    agent_service.set_disabled(session=session, agent=leaver, disabled=True)
    session.commit()
    held, other = session.get(Ticket, mine["id"]), session.get(Ticket, theirs["id"])
    session.refresh(held)
    session.refresh(other)
    assert (held.status, held.assigned_agent_id) == (TicketStatus.queued, None)
    assert (other.status, other.assigned_agent_id) == (TicketStatus.claimed, colleague.id)
