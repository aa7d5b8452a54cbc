"""The agent console in Chromium shows a reply that could not be delivered, live, and its Retry button sends
it again: Rasa (a fake) is down until the agent retries."""
from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import httpx
import pytest

from handoff_service.app import build_runtime, create_app
from handoff_service.config import Settings, replace_settings

from .fake_rasa import FakeRasa
from .helpers import AGENT_PASSWORD, LiveServer, make_agent, service_headers
from .test_console_browser import CHROMIUM, CHROMIUM_ARGS, sync_api


@pytest.fixture
def console_with_rasa(fresh_db_url: str, settings: Settings) -> Iterator[tuple[LiveServer, FakeRasa]]:
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    with FakeRasa() as rasa:
        runtime = build_runtime(replace_settings(
            settings, database_url=fresh_db_url, run_background_tasks=True, rasa_url=rasa.url, outbox_max_attempts=2,
            outbox_backoff_base_seconds=0.05, outbox_backoff_max_seconds=0.1, outbox_poll_seconds=0.1))
        with runtime.session() as session:
            make_agent(session, "Sam", email="sam@heard.example")
            session.commit()
        with LiveServer(create_app(runtime.settings, runtime=runtime)) as server:
            yield server, rasa


def test_a_failed_reply_is_shown_and_retried_from_the_console(console_with_rasa: tuple[LiveServer, FakeRasa]) -> None:
    server, rasa = console_with_rasa
    rasa.down = True
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(f"{server.url}/console")
            page.fill("#email", "sam@heard.example")
            page.fill("#password", AGENT_PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_selector("#live-status:text('live')")
            httpx.post(f"{server.url}/api/v1/tickets", headers=service_headers(),
                       json={"conversation_id": "deliveries-ui", "customer_first_name": "Ann"}).raise_for_status()
            page.locator("#queue-body tr").first.get_by_role("button").click()
            page.wait_for_selector("#ticket-view:not([hidden])")
            assert page.locator("#delivery-problems").is_hidden()
            page.fill("#reply-text", "Your claim is approved")
            page.click("#reply-form button[type=submit]")
            failed = page.locator("#delivery-list li.delivery-failed")
            failed.wait_for(timeout=15_000)  # live: the console hears ticket.delivery, no reload
            assert "“Your claim is approved”: failed after 2 attempts" in failed.inner_text()
            assert "Rasa answered 503" in failed.inner_text()
            rasa.down = False
            failed.get_by_role("button", name="Retry").click()
            page.wait_for_selector("#delivery-problems", state="hidden", timeout=15_000)
        finally:
            browser.close()
    assert [e["text"] for e in rasa.events("deliveries-ui", "bot")] == ["Sam (a person): Your claim is approved"]
