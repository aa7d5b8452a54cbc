"""The agent console in headless Chromium: login, live queue, claim, ticket view, reply, resolve.

Customer text full of HTML/script must show up as literal text and never run.
"""
from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import httpx
import pytest

from handoff_service.app import build_runtime, create_app
from handoff_service.config import Settings, replace_settings

from .helpers import AGENT_PASSWORD, LiveServer, make_agent, service_headers

CHROMIUM = os.getenv("HANDOFF_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
XSS_NAME = '<img src=x onerror="window.__xss=1">Ann'
XSS_MESSAGE = "<script>window.__xss=2</script>Is anyone there?"

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright python package is not installed")


@pytest.fixture
def console_server(fresh_db_url: str, settings: Settings) -> Iterator[LiveServer]:
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    runtime = build_runtime(replace_settings(settings, database_url=fresh_db_url, run_background_tasks=True))
    with runtime.session() as session:
        make_agent(session, "Sam", email="sam@heard.example")
        session.commit()
    with LiveServer(create_app(runtime.settings, runtime=runtime)) as server:
        yield server


def test_agent_works_a_ticket_and_hostile_text_stays_text(console_server: LiveServer, tmp_path: object) -> None:
    base = console_server.url
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        dialogs: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(f"{base}/console")
        page.fill("#email", "sam@heard.example")
        page.fill("#password", AGENT_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_selector("#live-status:text('live')")
        assert page.locator("#presence").input_value() == "online"  # signing in makes the agent available
        # A ticket arrives while the console is open: it appears through SSE, no reload.
        created = httpx.post(
            f"{base}/api/v1/tickets",
            headers=service_headers(),
            json={
                "conversation_id": "browser-1",
                "customer_first_name": XSS_NAME,
                "reasons": ["complaint"],
                "priority": "urgent",
                "intensity": 0.9,
                "dominant_emotion": "anger",
                "emotion_timeline": [{"turn": 1, "intensity": 0.3}, {"turn": 2, "intensity": 0.9, "emotion": "anger"}],
                "slots": {"policy_number": "<b>HX-1</b>"},
                "transcript": [{"sender": "customer", "text": XSS_MESSAGE}],
            },
        ).json()
        row = page.locator("#queue-body tr").first
        row.wait_for()
        assert XSS_NAME in row.inner_text()
        row.get_by_role("button").click()
        page.wait_for_selector("#ticket-view:not([hidden])")
        assert page.locator("#ticket-title").inner_text() == XSS_NAME
        assert XSS_MESSAGE in page.locator("#transcript").inner_text()
        assert "<b>HX-1</b>" in page.locator("#ticket-slots").inner_text()
        assert page.locator("#timeline-body tr").count() == 2
        httpx.post(f"{base}/api/v1/tickets/{created['id']}/messages", headers=service_headers(), json={"text": XSS_MESSAGE})
        page.locator("#messages li.from-customer").first.wait_for()
        page.fill("#reply-text", "I'm here, and I've read everything.")
        page.click("#reply-form button[type=submit]")
        page.locator("#messages li.from-agent").first.wait_for()
        page.screenshot(path=str(tmp_path) + "/console.png", full_page=True)  # type: ignore[operator]
        page.select_option("#resolve-outcome", "answered")
        page.click("#resolve")
        page.wait_for_selector("#ticket-status:text('resolved')")
        assert page.evaluate("window.__xss") is None and dialogs == []
        assert page.locator("img[src=x]").count() == 0
        browser.close()
