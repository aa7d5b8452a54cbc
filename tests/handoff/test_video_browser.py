"""Click-to-video in two real Chromium pages: the agent's console and the customer's website chat
connect peer to peer through the ticket's signalling room (fake camera and microphone)."""
from __future__ import annotations

import httpx
import pytest

from .helpers import AGENT_PASSWORD, service_headers
from .test_console_browser import CHROMIUM, CHROMIUM_ARGS, console_server, sync_api  # noqa: F401 (fixture)

MEDIA_ARGS = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]


def test_agent_and_customer_video_call_connects(console_server) -> None:  # noqa: F811
    base = console_server.url
    ticket = httpx.post(f"{base}/api/v1/tickets", headers=service_headers(),
                        json={"conversation_id": "video-browser", "customer_first_name": "Priya",
                              "preferred_mode": "video", "reasons": ["explicit_request"]}).json()
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS + MEDIA_ARGS)
        # bypass_csp: the test polls with injected script; the page itself still runs under the policy.
        agent = browser.new_context(bypass_csp=True).new_page()
        agent.goto(f"{base}/console")
        agent.fill("#email", "sam@heard.example")
        agent.fill("#password", AGENT_PASSWORD)
        agent.click("button[type=submit]")
        row = agent.locator("#queue-body tr").first
        row.wait_for()
        row.get_by_role("button").click()
        agent.wait_for_selector("#video-panel:not([hidden])")
        agent.click("#video-start")

        customer = browser.new_context().new_page()
        customer.goto(f"{base}/chat/?name=<b>Ann</b>")
        assert not customer.locator("#video").is_visible()  # no camera panel until a video handoff
        welcome = customer.locator("#messages li.bot").first.inner_text()
        assert "Hi <b>Ann</b>. I'm Heard" in welcome and "ask for a person" in welcome  # shown as text, not HTML
        customer.evaluate("h => window.HeardVideo.onHandoff(h)",
                          {"mode": "video", "ticket_id": ticket["id"], "customer_token": ticket["customer_token"]})
        assert_call_connects_and_ends(agent, customer)
        browser.close()


def assert_call_connects_and_ends(agent, customer, timeout_ms: int = 30_000) -> None:  # type: ignore[no-untyped-def]
    """Both pages reach 'connected', each receives the other's video, and the agent's hang-up ends it for both."""
    for page in (agent, customer):
        page.wait_for_function("document.documentElement.dataset.videoState === 'connected'", timeout=timeout_ms)
    for page, selector in ((agent, "#video-remote"), (customer, "#remote-video")):
        page.wait_for_function(f"document.querySelector('{selector}').srcObject !== null", timeout=10_000)
    assert agent.locator("#video-state").inner_text() == "Connected."
    agent.click("#video-end")
    customer.wait_for_function("document.documentElement.dataset.videoState !== 'connected'", timeout=10_000)
