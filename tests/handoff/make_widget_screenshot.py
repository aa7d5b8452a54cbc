"""Draw docs/screenshots/widget.png: the widget on the demo host page at 1280 px and at 360 px, side by side.

    .venv/bin/python -m tests.handoff.make_widget_screenshot

Uses the real handoff service (SQLite in a temporary directory) and the socket.io stand-in for Rasa of the
browser tests, so the picture shows the widget as it renders, with a scripted conversation."""
from __future__ import annotations

import base64
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from handoff_service.app import build_runtime, create_app
from handoff_service.config import SETTINGS, replace_settings
from handoff_service.migrate import upgrade_database

from .fake_socketio import FakeRasaSocket
from .helpers import LiveServer
from .test_console_browser import CHROMIUM, CHROMIUM_ARGS

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "widget.png"
CONVERSATION = [
    ("customer", "The pipe under my kitchen sink burst last night and the floor is soaked"),
    ("bot", {"text": "I'm so sorry, Priya — waking up to a flooded kitchen is awful. I can start the claim with you now, "
                     "or a colleague can take over by chat or video. What would you prefer?",
             "quick_replies": [{"title": t, "payload": t} for t in ("Chat with a person", "Video call", "Not now")]}),
    ("customer", "Chat with a person"),
    ("bot", {"text": "Sam (a person): Hi Priya, I'm Sam from the claims team. I've read everything, so no need to "
                     "repeat yourself. Could you send a photo of the floor?"}),
    ("customer", "Sent “kitchen-floor.jpg” (2.4 MB)"),
    ("bot", {"text": "Sam (a person): Thank you, that's clear. I've opened the claim and booked a drying company "
                     "for tomorrow morning."}),
    ("bot", {"text": "I hope Sam could help today, Priya. I'm here again if you need anything else."}),
    ("bot", {"text": "One quick question before you go, Priya: how likely are you to recommend us to a friend or "
                     "family member, from 0 (not at all) to 10 (extremely)?",
             "quick_replies": [{"title": str(i), "payload": str(i)} for i in range(11)]}),
]


def shoot(browser, base: str, rasa: FakeRasaSocket, viewport: dict) -> bytes:  # type: ignore[no-untyped-def]
    page = browser.new_context(viewport=viewport, device_scale_factor=1).new_page()
    page.goto(f"{base}/chat/?name=Priya")
    page.locator("button.launcher").click()
    page.wait_for_function("() => document.querySelector('#heard-chat-widget').shadowRoot"
                           ".querySelector('.status').textContent.startsWith('Connected')")
    sid = page.evaluate("window.HeardWidget.sessionId()")
    for who, what in CONVERSATION:
        if who == "customer":
            page.locator("#heard-text").fill(what)
            page.keyboard.press("Enter")
            rasa.wait_for_text(what)
        else:
            rasa.say(sid, what)
            page.locator("li.message").last.wait_for()
        page.wait_for_timeout(120)
    page.locator(".score button").first.wait_for()
    page.wait_for_timeout(300)
    return page.screenshot()


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/handoff.db"
        upgrade_database(url)
        settings = replace_settings(SETTINGS, database_url=url, run_background_tasks=False, attachments_dir=tmp)
        with FakeRasaSocket() as rasa:
            settings = replace_settings(settings, public_rasa_url=rasa.url)
            runtime = build_runtime(settings)
            with LiveServer(create_app(settings, runtime=runtime)) as server, sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                desktop = shoot(browser, server.url, rasa, {"width": 1280, "height": 800})
                phone = shoot(browser, server.url, rasa, {"width": 360, "height": 740})
                board = browser.new_page(viewport={"width": 1280 + 360 + 72, "height": 848})
                board.set_content(
                    "<body style='margin:0;background:#d9dde5;display:flex;gap:24px;padding:24px;align-items:flex-start'>"
                    f"<img alt='' src='data:image/png;base64,{base64.b64encode(desktop).decode()}'>"
                    f"<img alt='' src='data:image/png;base64,{base64.b64encode(phone).decode()}'></body>")
                OUT.parent.mkdir(parents=True, exist_ok=True)
                board.screenshot(path=str(OUT))
                browser.close()
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
