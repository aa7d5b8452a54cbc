"""The console's sign-in in headless Chromium: the second factor, renewal of short access tokens, and a logout
that revokes the token the page held."""
from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator

import httpx
import pytest

from handoff_service import totp
from handoff_service.app import build_runtime, create_app
from handoff_service.config import Settings, replace_settings
from handoff_service.services.agents import enable_totp

from .helpers import AGENT_PASSWORD, LiveServer, make_agent
from .test_console_browser import CHROMIUM, CHROMIUM_ARGS, sync_api

EMAIL = "tess@heard.example"


@pytest.fixture
def short_token_server(fresh_db_url: str, settings: Settings) -> Iterator[tuple[LiveServer, str]]:
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    # Access tokens of 2 s: the page must renew them with its refresh token to keep working.
    runtime = build_runtime(replace_settings(settings, database_url=fresh_db_url, run_background_tasks=True,
                                             agent_token_ttl_seconds=2))
    with runtime.session() as session:
        agent = make_agent(session, "Tess", email=EMAIL)
        secret = enable_totp(session=session, agent=agent)
        session.commit()
    with LiveServer(create_app(runtime.settings, runtime=runtime)) as server:
        yield server, secret


def test_second_factor_renewal_and_revoking_logout(short_token_server: tuple[LiveServer, str]) -> None:
    server, secret = short_token_server
    base = server.url
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto(f"{base}/console")
        assert page.locator("#totp-row").is_hidden()
        page.fill("#email", EMAIL)
        page.fill("#password", AGENT_PASSWORD)
        page.click("#login-form button[type=submit]")
        page.wait_for_selector("#totp-row:not([hidden])")
        assert "authenticator" in page.locator("#login-error").inner_text()
        page.fill("#totp", totp.code_at(secret))
        page.click("#login-form button[type=submit]")
        page.wait_for_selector("#live-status:text('live')")
        first = page.evaluate("sessionStorage.getItem('heard-token')")
        time.sleep(3)  # the access token has expired; the next call renews it and goes through
        page.select_option("#presence", "away")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            held = page.evaluate("sessionStorage.getItem('heard-token')")
            me = httpx.get(f"{base}/api/v1/agents/me", headers={"Authorization": f"Bearer {held}"})
            if held != first and me.status_code == 200 and me.json()["presence"] == "away":
                break
            time.sleep(0.3)
        else:
            raise AssertionError("the console did not renew its token and carry on")
        assert page.locator("#login-view").is_hidden()
        refresh = page.evaluate("sessionStorage.getItem('heard-refresh')")
        page.click("#logout")
        page.wait_for_selector("#login-view:not([hidden])")
        deadline = time.monotonic() + 10
        while httpx.post(f"{base}/api/v1/auth/refresh", json={"refresh_token": refresh}).status_code != 401:
            assert time.monotonic() < deadline, "logout did not revoke the page's tokens"
            time.sleep(0.2)
        assert page.evaluate("sessionStorage.getItem('heard-token')") is None
        browser.close()
