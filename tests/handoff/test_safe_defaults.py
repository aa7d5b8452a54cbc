"""Safe defaults (issue #19): security headers on every page, docs off in production, and no start with known
secrets or the demo agent anywhere but loopback development."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from handoff_service.app import build_runtime, create_app
from handoff_service.bootstrap import prepare_database
from handoff_service.config import (
    DEV_SECRET_KEY,
    DEV_SERVICE_TOKEN,
    Settings,
    SettingsError,
    docs_exposed,
    exposure_problems,
    is_exposed,
    load_settings,
    replace_settings,
)
from handoff_service.runtime import Runtime
from stack.exposure import MIN_SECRET_CHARS, is_loopback, secret_problem

from .test_settings import clean_env  # noqa: F401 - fixture

REAL = "Zq3v-" + "k" * MIN_SECRET_CHARS
PAGES = ["/console", "/chat/", "/chat/config.js", "/api/v1/health", "/api/v1/agents/me", "/nowhere",
         "/console/static/console.js"]


@pytest.mark.parametrize("path", PAGES)
def test_every_response_carries_the_security_headers(client: TestClient, path: str) -> None:
    response = client.get(path)
    headers = response.headers
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    csp = headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src 'self'" in csp and "base-uri 'none'" in csp
    if path.startswith("/chat"):
        assert "frame-ancestors 'self'" in csp
    else:
        assert "frame-ancestors 'none'" in csp and headers["x-frame-options"] == "DENY"


def test_the_chat_page_may_reach_rasa_and_be_framed_by_the_insurer(runtime: Runtime, session: Session) -> None:
    settings = replace_settings(runtime.settings, public_rasa_url="https://chat.insurer.example",
                                chat_frame_ancestors="https://www.insurer.example")
    with TestClient(create_app(settings, runtime=build_runtime(settings, session_factory=runtime.session_factory))) \
            as client:
        csp = client.get("/chat/").headers["content-security-policy"]
    assert "connect-src 'self' https://chat.insurer.example wss://chat.insurer.example" in csp
    assert "frame-ancestors https://www.insurer.example" in csp and "unsafe-inline" not in csp


def test_an_oversized_body_is_refused_with_the_headers_too(client: TestClient) -> None:
    response = client.post("/api/v1/auth/login", content=b"x" * (64 * 1024 + 1),
                           headers={"Content-Type": "application/json"})
    assert response.status_code == 413 and response.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize(("profile", "expose", "visible"), [
    ("embedded", None, True), ("production", None, False), ("production", True, True), ("embedded", False, False),
])
def test_docs_are_off_in_production_unless_asked(runtime: Runtime, profile: str, expose: bool | None,
                                                 visible: bool) -> None:
    settings = replace_settings(runtime.settings, profile=profile, expose_docs=expose)
    assert docs_exposed(settings) is visible
    with TestClient(create_app(settings, runtime=build_runtime(settings, session_factory=runtime.session_factory))) \
            as client:
        for path in ("/docs", "/redoc", "/openapi.json"):
            assert (client.get(path).status_code == 200) is visible, path


@pytest.mark.parametrize(("host", "loopback"), [
    ("127.0.0.1", True), ("127.1.2.3", True), ("localhost", True), ("::1", True), ("[::1]", True),
    ("0.0.0.0", False), ("::", False), ("10.0.0.5", False), ("heard.internal", False),
])
def test_what_counts_as_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


@pytest.mark.parametrize(("value", "ok"), [
    ("", False), (DEV_SERVICE_TOKEN, False), (DEV_SECRET_KEY, False), ("change-me-" + "x" * 40, False),
    ("k" * (MIN_SECRET_CHARS - 1), False), ("k" * MIN_SECRET_CHARS, True), (REAL, True),
])
def test_secret_rule(value: str, ok: bool) -> None:
    problem = secret_problem("HANDOFF_SECRET_KEY", value)
    assert (problem is None) is ok
    if problem:
        assert "HANDOFF_SECRET_KEY" in problem and (not value or value not in problem)  # never echoed


def test_beyond_loopback_the_service_refuses_development_secrets_and_the_demo_agent(
        clean_env: pytest.MonkeyPatch) -> None:  # noqa: F811
    clean_env.setenv("HANDOFF_HOST", "0.0.0.0")
    with pytest.raises(SettingsError) as caught:
        load_settings()
    message = str(caught.value)
    assert message.startswith("HANDOFF_HOST=0.0.0.0 is reachable from other machines, but:")
    for variable in ("HANDOFF_SERVICE_TOKEN", "HANDOFF_SECRET_KEY", "HANDOFF_SEED_DEMO_AGENT"):
        assert variable in message
    assert DEV_SECRET_KEY not in message
    clean_env.setenv("HANDOFF_SERVICE_TOKEN", REAL)
    clean_env.setenv("HANDOFF_SECRET_KEY", REAL + "2")
    with pytest.raises(SettingsError, match="HANDOFF_SEED_DEMO_AGENT"):
        load_settings()  # SQLite would seed the demo agent by default
    clean_env.setenv("HANDOFF_SEED_DEMO_AGENT", "false")
    assert is_exposed(settings := load_settings()) and exposure_problems(settings) == []
    clean_env.setenv("HANDOFF_HOST", "127.0.0.1")
    clean_env.delenv("HANDOFF_SERVICE_TOKEN")
    clean_env.delenv("HANDOFF_SEED_DEMO_AGENT")
    assert not is_exposed(load_settings())  # loopback development keeps its defaults


def test_an_exposed_start_stops_while_the_demo_agent_is_enabled(fresh_db_url: str, settings: Settings) -> None:
    from handoff_service import cli

    loopback = replace_settings(settings, database_url=fresh_db_url, seed_demo_agent=True)
    prepare_database(loopback)  # an earlier development run seeded the demo agent
    exposed = replace_settings(loopback, host="0.0.0.0", seed_demo_agent=False, service_token=REAL,
                               secret_key=REAL + "2")
    with pytest.raises(SettingsError, match="disable-agent --email demo@heard.example"):
        prepare_database(exposed)
    assert cli.main(["disable-agent", "--email", "demo@heard.example", "--database-url", fresh_db_url]) == 0
    prepare_database(exposed)  # now it starts
