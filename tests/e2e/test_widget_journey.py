"""The whole website journey with the real bot, in Chromium: the widget on the demo host page →
escalation → the agent console (1280 px) claims → typing and messages both ways → a photo → video with
consent, mute, hang up and restart → resolve → a real question at the score prompt is answered → score by
button, "no" to the comment → the score is stored without a comment → the dashboard shows that TNPS."""
from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from tests.e2e.conftest import wait_for
from tests.e2e.test_handoff_loop import surveys

pytestmark = pytest.mark.e2e
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright python package is not installed")
CHROMIUM = os.getenv("HANDOFF_TEST_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]
PNG = b"\x89PNG\r\n\x1a\n" + bytes(300)
CONNECTED = ("() => document.querySelector('#heard-chat-widget')?.shadowRoot"
             "?.querySelector('.status')?.textContent.startsWith('Connected')")


def _video_state(page, widget: bool) -> str | None:  # type: ignore[no-untyped-def]
    return page.evaluate("document.querySelector('#heard-chat-widget').dataset.videoState" if widget
                         else "document.documentElement.dataset.videoState")


def _wait_video(page, state: str, widget: bool) -> None:  # type: ignore[no-untyped-def]
    wait_for(lambda: _video_state(page, widget) == state, timeout=30, message=f"video state {state}")


# The overall TNPS figures as the team lead's dashboard API gives them (the console keeps its token in the tab).
OVERALL_TNPS = """async () => {
  const response = await fetch("/api/v1/dashboard/tnps",
                               {headers: {Authorization: "Bearer " + sessionStorage.getItem("heard-token")}});
  return (await response.json()).overall;
}"""


def _bot_lines(page) -> list[str]:  # type: ignore[no-untyped-def]
    return page.locator("li.message.bot .text").all_inner_texts()


def test_the_website_journey(running_stack, tmp_path: Path) -> None:
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    base = running_stack.settings.env["HANDOFF_URL"]
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        # An agent is signed in (online), so the bot offers chat and video, not only a call back.
        agent = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        agent.goto(f"{base}/console")
        agent.fill("#email", "demo@heard.example")
        agent.fill("#password", "heard-demo")
        agent.click("button[type=submit]")
        agent.locator("#live-status", has_text="live").wait_for(timeout=30_000)
        customer = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
        customer.goto(f"{base}/chat/?name=Priya")
        customer.locator("button.launcher").click()
        customer.wait_for_function(CONNECTED, timeout=30_000)
        sender = customer.evaluate("window.HeardWidget.sessionId()")

        customer.locator("#heard-text").fill("can I speak to a real person please")
        customer.keyboard.press("Enter")
        try:
            customer.locator(".replies button", has_text="Video call").click(timeout=30_000)
        except Exception:
            raise AssertionError(f"no video offer; the bot said {_bot_lines(customer)}") from None
        customer.locator("section.video p", has_text="We'll ask you").wait_for(timeout=30_000)

        agent.locator("#queue-body tr").first.get_by_role("button").click(timeout=30_000)
        agent.locator("#ticket-view:not([hidden])").wait_for()

        # Messages both ways.
        agent.fill("#reply-text", "Hello Priya, I'm here. Could you send a photo of the damage?")
        agent.locator("#reply-form button[type=submit]").click()
        customer.locator("li.message.agent .text", has_text="Could you send a photo").wait_for(timeout=30_000)
        assert "You're talking with" in customer.locator("#heard-title").inner_text()
        customer.locator("#heard-text").fill("Yes, here it is")
        customer.keyboard.press("Enter")
        agent.locator("#messages li", has_text="Yes, here it is").wait_for(timeout=30_000)

        # Typing both ways (the ticket's room; at most one signal every 2 s, so keep typing until it shows).
        def shows_typing(typist, box: str, watcher, line: str) -> bool:  # type: ignore[no-untyped-def]
            typist.locator(box).press("x")
            return watcher.locator(line, has_text="is typing").is_visible()
        wait_for(lambda: shows_typing(agent, "#reply-text", customer, ".typing"), timeout=30, interval=1.0,
                 message="the customer sees the agent typing")
        wait_for(lambda: shows_typing(customer, "#heard-text", agent, "#customer-typing"), timeout=30, interval=1.0,
                 message="the agent sees the customer typing")
        agent.fill("#reply-text", "")
        customer.locator("#heard-text").fill("")

        # A photo, stored with the ticket and shown to the agent.
        photo = tmp_path / "kitchen.png"
        photo.write_bytes(PNG)
        customer.locator("input[type=file]").set_input_files(str(photo))
        customer.locator("li.message.customer .text", has_text="Sent “kitchen.png”").wait_for()
        agent.locator("#customer-attachments li", has_text="kitchen.png").wait_for(timeout=30_000)

        # Video: consent, mute, hang up, restart; the call is written into both chats.
        agent.click("#video-start")
        customer.locator("button.join").click(timeout=30_000)
        _wait_video(customer, "connected", widget=True)
        _wait_video(agent, "connected", widget=False)
        customer.locator("button.mute").click()
        customer.locator("button.hang-up").click()
        _wait_video(agent, "closed", widget=False)
        customer.locator("li.message .text", has_text="Video call ended.").wait_for(timeout=30_000)
        agent.locator("#messages li", has_text="Video call ended.").wait_for()
        agent.click("#video-start")
        customer.locator("button.join").click(timeout=30_000)
        _wait_video(customer, "connected", widget=True)
        agent.click("#video-end")
        _wait_video(customer, "closed", widget=True)

        # Resolve: back to the bot, which asks for a score with buttons. (The stack is shared with other tests,
        # so the dashboard is read before and after this customer's score.)
        before = agent.evaluate(OVERALL_TNPS)
        agent.select_option("#resolve-outcome", "claim_updated")  # the console asks for an outcome first
        agent.click("#resolve")
        customer.locator(".score button").first.wait_for(timeout=30_000)
        assert customer.locator("#heard-title").inner_text() == "Heard · virtual assistant"
        # A real question at the score prompt gets an answer, and the score question comes back.
        answered = len(_bot_lines(customer))
        customer.locator("#heard-text").fill("can my partner drive my car on my policy?")
        customer.keyboard.press("Enter")
        wait_for(lambda: customer.locator(".score button").count() == 11 and len(_bot_lines(customer)) >= answered + 2,
                 timeout=30, message="an answer, then the score question again")
        reply = " ".join(_bot_lines(customer)[answered:])
        assert "I need a number" not in reply and "section" in reply.lower(), reply
        customer.locator(".score button", has_text="8").click()
        customer.locator("li.message.bot .text", has_text="anything you'd like to tell us").wait_for(timeout=30_000)
        customer.locator("#heard-text").fill("no")
        customer.keyboard.press("Enter")
        customer.locator("li.message.bot .text", has_text="genuinely helps").wait_for(timeout=30_000)
        # Stored without a comment (it used to be dropped).
        stored = wait_for(lambda: surveys(running_stack, sender), timeout=20, message="the survey row")
        assert [(score, comment) for score, comment, _ in stored] == [(8, None)]

        # The team lead's dashboard shows that score: one more answer, and the figure the API gives.
        after = agent.evaluate(OVERALL_TNPS)
        assert after["responses"] == before["responses"] + 1, (before, after)
        agent.goto(f"{base}/dashboard")
        agent.locator("#tnps-overall", has_text=f"{after['tnps']} overall ({after['responses']} answers)").wait_for(
            timeout=30_000)
        browser.close()
