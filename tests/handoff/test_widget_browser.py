"""The website chat widget on a host page, in Chromium, against a socket.io server that speaks like
Rasa's channel and the real handoff service (uploads, video). Each defect listed in issue #20 for the
website chat has its test here; the whole journey with the real bot is tests/e2e/test_widget_journey.py."""
from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from handoff_service.app import build_runtime, create_app
from handoff_service.config import Settings, replace_settings

from .fake_socketio import FakeRasaSocket
from .helpers import AGENT_PASSWORD, LiveServer, make_agent, service_headers
from .test_console_browser import CHROMIUM, CHROMIUM_ARGS, sync_api

MEDIA_ARGS = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]
AXE = Path(__file__).resolve().parents[1] / "tools" / "node_modules" / "axe-core" / "axe.min.js"
XSS_NAME = '<img src=x onerror="window.__xss=1">Ann'
PNG = b"\x89PNG\r\n\x1a\n" + bytes(200)
SCORE_PROMPT = {"text": "From 0 to 10, how likely would you be to recommend us to someone you know?",
                "quick_replies": [{"content_type": "text", "title": str(i), "payload": str(i)} for i in range(11)]}


class WidgetStack:
    def __init__(self, handoff: LiveServer, rasa: FakeRasaSocket, runtime) -> None:  # type: ignore[no-untyped-def]
        self.handoff, self.rasa, self.runtime = handoff, rasa, runtime

    @property
    def url(self) -> str:
        return self.handoff.url


@pytest.fixture
def widget_stack(fresh_db_url: str, settings: Settings, tmp_path: Path) -> Iterator[WidgetStack]:
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    with FakeRasaSocket() as rasa:
        runtime = build_runtime(replace_settings(
            settings, database_url=fresh_db_url, run_background_tasks=True, public_rasa_url=rasa.url,
            attachments_dir=str(tmp_path / "attachments"), attachment_max_bytes=64 * 1024, rasa_url="http://127.0.0.1:9"))
        with runtime.session() as session:
            make_agent(session, "Sam", email="sam@heard.example")
            session.commit()
        with LiveServer(create_app(runtime.settings, runtime=runtime)) as server:
            yield WidgetStack(server, rasa, runtime)


@pytest.fixture
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS + MEDIA_ARGS)
        yield chromium
        chromium.close()


def open_widget(browser, url: str, **context):  # type: ignore[no-untyped-def]
    page = browser.new_context(**context).new_page()
    page.goto(url)
    page.locator("button.launcher").click()
    page.wait_for_function("() => document.querySelector('#heard-chat-widget')?.shadowRoot"
                           "?.querySelector('.status')?.textContent.startsWith('Connected')")
    return page


def session_id(page) -> str:  # type: ignore[no-untyped-def]
    return page.evaluate("window.HeardWidget.sessionId()")


def bubbles(page, who: str) -> list[str]:  # type: ignore[no-untyped-def]
    return page.locator(f"li.message.{who} .text").all_inner_texts()


def test_one_script_tag_on_a_host_page_with_its_own_styles(widget_stack, browser) -> None:
    # bypass_csp: the demo host page's own policy (rightly) refuses the inline style a hostile host would have.
    page = browser.new_context(bypass_csp=True).new_page()
    # A host page whose styles would wreck the chat if they leaked in.
    page.goto(f"{widget_stack.url}/chat/")
    page.add_style_tag(content="* { font-family: 'Comic Sans MS', cursive !important; color: red !important; }"
                               " button { display: none !important; } li { font-size: 40px !important; }")
    launcher = page.locator("button.launcher")
    assert launcher.is_visible() and launcher.get_attribute("aria-expanded") == "false"
    assert not page.locator("#heard-panel").is_visible()
    launcher.click()
    assert page.locator("#heard-panel").is_visible() and page.locator("button.launcher").is_hidden()
    greeting = page.locator("li.message.bot").first
    style = greeting.evaluate("n => { const s = getComputedStyle(n); return [s.fontFamily, s.color, s.fontSize]; }")
    assert "Comic" not in style[0] and style[1] != "rgb(255, 0, 0)" and style[2] != "40px", style
    assert page.locator("button.send").is_visible()  # the host's "button { display: none }" does not reach in
    # The host page holds exactly one element of ours.
    assert page.evaluate("document.querySelectorAll('body > #heard-chat-widget').length") == 1
    assert page.evaluate("document.querySelectorAll('.message').length") == 0  # nothing in the host's DOM


def test_name_from_the_page_and_everything_else_stay_text(widget_stack, browser) -> None:
    # Regression: the old page printed ?name= unescaped.
    page = open_widget(browser, f"{widget_stack.url}/chat/?name={httpx.QueryParams({'n': XSS_NAME})['n']}")
    assert bubbles(page, "bot")[0].startswith(f"Hi {XSS_NAME}. I'm Heard")
    sid = session_id(page)
    widget_stack.rasa.say(sid, {"text": "<script>window.__xss=2</script><b>bold?</b>",
                                "quick_replies": [{"title": "<img src=x onerror=window.__xss=3>", "payload": "/x"}]})
    widget_stack.rasa.say(sid, {"text": "Sam<img src=x onerror=window.__xss=4> (a person): <i>hi</i>"})
    page.locator("li.message.agent").wait_for()
    assert "<script>window.__xss=2</script><b>bold?</b>" in bubbles(page, "bot")
    assert bubbles(page, "agent") == ["<i>hi</i>"]
    page.wait_for_timeout(300)
    assert page.evaluate("window.__xss") is None
    # The customer's own name travels to the bot as metadata, raw.
    page.locator("#heard-text").fill("hello")
    page.keyboard.press("Enter")
    assert widget_stack.rasa.wait_for_text("hello")["customData"] == {"first_name": XSS_NAME}


def test_typing_timestamps_agent_header_and_badge(widget_stack, browser) -> None:
    page = open_widget(browser, f"{widget_stack.url}/chat/")
    sid = session_id(page)
    page.locator("#heard-text").fill("my kitchen is flooded")
    page.locator("button.send").click()
    widget_stack.rasa.wait_for_text("my kitchen is flooded")
    typing = page.locator(".typing")
    assert typing.is_visible() and typing.inner_text().startswith("Heard is typing")
    widget_stack.rasa.say(sid, {"text": "I'm sorry to hear that."})
    typing.wait_for(state="hidden")
    # Every message says when it was written.
    times = page.locator("li.message time").evaluate_all("ns => ns.map(n => n.getAttribute('datetime'))")
    assert len(times) == 3 and all(t and t.endswith("Z") for t in times)
    assert page.locator("#heard-title").inner_text() == "Heard · virtual assistant"
    widget_stack.rasa.say(sid, {"handoff": {"ticket_id": 1, "customer_token": "t", "mode": "chat"}})
    page.wait_for_function("() => document.querySelector('#heard-chat-widget').shadowRoot"
                           ".querySelector('#heard-title').textContent.includes('a person will join')")
    widget_stack.rasa.say(sid, {"text": "Sam (a person): Hi, I'm Sam. I've read everything."})
    page.locator("li.message.agent").wait_for()
    assert page.locator("#heard-title").inner_text().replace("\n", " ") in ("You're talking with Sam a person",
                                                                          "You're talking with Sama person")
    assert page.locator("#heard-title .badge").inner_text() == "a person"
    agent_line = page.locator("li.message.agent")
    assert agent_line.locator(".label").inner_text() == "Sam" and agent_line.locator(".badge").inner_text() == "a person"
    # While a person has the conversation, Heard does not pretend to type.
    page.locator("#heard-text").fill("thanks Sam")
    page.keyboard.press("Enter")
    widget_stack.rasa.wait_for_text("thanks Sam")
    assert typing.is_hidden()
    # Back from the person: the header says so again.
    widget_stack.rasa.say(sid, {"handoff_ended": {"ticket_id": 1, "outcome": "resolved"}})
    page.wait_for_function("() => document.querySelector('#heard-chat-widget').shadowRoot"
                           ".querySelector('#heard-title').textContent === 'Heard · virtual assistant'")


def test_history_and_session_survive_a_reload(widget_stack, browser) -> None:
    page = open_widget(browser, f"{widget_stack.url}/chat/")
    sid = session_id(page)
    page.locator("#heard-text").fill("first question")
    page.keyboard.press("Enter")
    widget_stack.rasa.say(sid, {"text": "first answer"})
    widget_stack.rasa.say(sid, SCORE_PROMPT)
    page.locator(".score button").first.wait_for()
    page.reload()
    page.wait_for_function("() => document.querySelector('#heard-chat-widget')?.shadowRoot"
                           "?.querySelector('.status')?.textContent.startsWith('Connected')")
    assert page.locator("#heard-panel").is_visible()  # it was open: it stays open
    assert bubbles(page, "customer") == ["first question"]
    assert bubbles(page, "bot")[1:] == ["first answer", SCORE_PROMPT["text"]]
    assert page.locator(".score button").count() == 11  # the open question keeps its buttons
    assert session_id(page) == sid
    assert [r["session_id"] for r in widget_stack.rasa.session_requests] == [sid, sid]
    # New messages after the reload still reach the same room.
    widget_stack.rasa.say(sid, {"text": "still here"})
    page.locator("li.message.bot .text", has_text="still here").wait_for()


def test_score_buttons_send_the_number(widget_stack, browser) -> None:
    page = open_widget(browser, f"{widget_stack.url}/chat/")
    widget_stack.rasa.say(session_id(page), SCORE_PROMPT)
    buttons = page.locator(".score button")
    buttons.first.wait_for()
    assert buttons.all_inner_texts() == [str(i) for i in range(11)]
    assert page.locator("[role=group]").get_attribute("aria-label").startswith("Your score from 0")
    buttons.nth(0).click()  # 0 is a score too
    assert widget_stack.rasa.wait_for_text("0")["session_id"] == session_id(page)
    assert page.locator(".score").count() == 0 and bubbles(page, "customer") == ["0"]


def test_phone_layout_follows_the_newest_message(widget_stack, browser) -> None:
    page = open_widget(browser, f"{widget_stack.url}/chat/", viewport={"width": 360, "height": 640}, is_mobile=True,
                       has_touch=True)
    box = page.locator("#heard-panel").bounding_box()
    assert box == {"x": 0, "y": 0, "width": 360, "height": 640}
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    sid = session_id(page)
    for i in range(25):
        widget_stack.rasa.say(sid, {"text": f"Line {i}: " + "a long reply that wraps over several lines " * 3})
    page.locator("li.message.bot .text", has_text="Line 24:").wait_for()
    page.wait_for_timeout(200)
    last = page.locator("li.message").last.bounding_box()
    composer = page.locator("form.composer").bounding_box()
    assert last["y"] + last["height"] <= composer["y"] + 1  # the newest reply is above the composer, in view
    assert last["y"] >= 0


def test_end_chat_and_start_a_new_one(widget_stack, browser) -> None:
    page = open_widget(browser, f"{widget_stack.url}/chat/")
    old = session_id(page)
    page.locator("button.end").click()
    page.locator(".confirm button.primary").click()
    assert widget_stack.rasa.wait_for_text("Goodbye")["session_id"] == old
    assert page.locator(".ended").is_visible()
    page.locator("button.restart").click()
    page.wait_for_function("() => document.querySelector('#heard-chat-widget').shadowRoot"
                           ".querySelectorAll('li.message').length === 1")
    assert session_id(page) != old


def _ticket(base: str, conversation: str, mode: str = "chat") -> dict:
    return httpx.post(f"{base}/api/v1/tickets", headers=service_headers(),
                      json={"conversation_id": conversation, "customer_first_name": "Priya",
                            "preferred_mode": mode, "reasons": ["explicit_request"]}).json()


def test_photo_and_pdf_upload_to_the_ticket(widget_stack, browser, tmp_path: Path) -> None:
    page = open_widget(browser, f"{widget_stack.url}/chat/")
    sid = session_id(page)
    assert page.locator("button.attach").is_hidden()  # nothing to attach to before a person has the chat
    ticket = _ticket(widget_stack.url, sid)
    widget_stack.rasa.say(sid, {"handoff": {"ticket_id": ticket["id"], "customer_token": ticket["customer_token"],
                                            "mode": "chat"}})
    page.locator("button.attach").wait_for()
    photo = tmp_path / "kitchen <b>floor.png"
    photo.write_bytes(PNG)
    page.locator("input[type=file]").set_input_files(str(photo))
    page.locator("li.message.customer .text", has_text="Sent “kitchen <b>floor.png”").wait_for()
    form = tmp_path / "claim form.pdf"
    form.write_bytes(b"%PDF-1.4\n" + bytes(300))
    page.locator("input[type=file]").set_input_files(str(form))
    page.locator("li.message.customer .text", has_text="Sent “claim form.pdf”").wait_for()
    # A script renamed to .jpg: refused by its content, with a clear message; the chat carries on.
    fake = tmp_path / "receipt.jpg"
    fake.write_bytes(b"<script>alert(1)</script>")
    page.locator("input[type=file]").set_input_files(str(fake))
    page.locator("li.message.error", has_text="Only photos (JPEG, PNG, HEIC) and PDF").wait_for()
    # Too large: stopped in the browser before it is sent.
    big = tmp_path / "huge.png"
    big.write_bytes(PNG + bytes(64 * 1024))
    page.locator("input[type=file]").set_input_files(str(big))
    page.locator("li.message.error", has_text="too large to send").wait_for()
    # The agent sees the photo in the console.
    agent = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    login(agent, widget_stack.url)
    agent.locator("#queue-body tr").first.get_by_role("button").click()
    agent.locator("#customer-attachments img").wait_for()
    agent.locator("#customer-attachments li", has_text="claim form.pdf").wait_for()
    assert agent.locator("#customer-attachments").inner_text().count("kitchen <b>floor.png") == 1
    assert agent.locator("#customer-attachments li").count() == 2
    agent.wait_for_function("document.querySelector('#customer-attachments img').complete")
    assert agent.locator("#customer-attachments img").get_attribute("src").startswith("blob:")
    assert agent.locator("#messages li", has_text="The customer sent a photo: kitchen <b>floor.png").count() == 1
    assert agent.evaluate("window.__xss") is None


def login(page, base: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/console")
    page.fill("#email", "sam@heard.example")
    page.fill("#password", AGENT_PASSWORD)
    page.click("button[type=submit]")
    page.locator("#queue-body tr").first.wait_for()


def video_state(page, widget: bool) -> str:  # type: ignore[no-untyped-def]
    return page.evaluate("document.querySelector('#heard-chat-widget').dataset.videoState" if widget
                         else "document.documentElement.dataset.videoState")


def wait_video(page, state: str, widget: bool, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if video_state(page, widget) == state:
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"video state {video_state(page, widget)!r}, wanted {state!r}")


COUNT_MEDIA = """
window.__mediaRequests = 0;
const original = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
navigator.mediaDevices.getUserMedia = (c) => { window.__mediaRequests += 1; return original(c); };
"""


def test_video_with_consent_mute_hang_up_and_restart(widget_stack, browser) -> None:
    page = browser.new_context(bypass_csp=True)  # axe is injected below
    page.add_init_script(COUNT_MEDIA)
    customer = page.new_page()
    customer.goto(f"{widget_stack.url}/chat/")
    customer.locator("button.launcher").click()
    customer.wait_for_function("() => document.querySelector('#heard-chat-widget').shadowRoot"
                               ".querySelector('.status').textContent.startsWith('Connected')")
    sid = session_id(customer)
    ticket = _ticket(widget_stack.url, sid, mode="video")
    widget_stack.rasa.say(sid, {"handoff": {"ticket_id": ticket["id"], "customer_token": ticket["customer_token"],
                                            "mode": "video", "video_room": ticket["video_room"]}})
    customer.locator("section.video p", has_text="We'll ask you before your camera").wait_for()
    agent = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    login(agent, widget_stack.url)
    agent.locator("#queue-body tr").first.get_by_role("button").click()
    agent.locator("#video-panel:not([hidden])").wait_for()
    agent.click("#video-start")
    # Consent first: nothing has touched the customer's camera until they agree.
    customer.locator("section.video .consent", has_text="would like to start a video call").wait_for()
    assert customer.evaluate("window.__mediaRequests") == 0
    if AXE.exists():
        assert serious_violations(customer) == []
    customer.locator("button.join").click()
    wait_video(customer, "connected", widget=True)
    wait_video(agent, "connected", widget=False)
    assert customer.locator(".tiles figcaption").all_inner_texts() == ["Your colleague (a person)", "You"]
    if AXE.exists():
        assert serious_violations(customer) == []  # the console (its CSP forbids injected scripts) is H3's axe run
    assert agent.locator("#video-remote-label").inner_text() == "Priya (customer)"
    # Mute and camera off switch the customer's own tracks off (and say so to screen readers).
    customer.locator("button.mute").click()
    customer.locator("button.camera").click()
    assert customer.locator("button.mute").get_attribute("aria-pressed") == "true"
    tracks = customer.evaluate("[...document.querySelector('#heard-chat-widget').shadowRoot.querySelectorAll('video')]"
                               ".find(v => v.muted).srcObject.getTracks().map(t => [t.kind, t.enabled])")
    assert sorted(tracks) == [["audio", False], ["video", False]]
    # The customer hangs up: both sides end, and the call is written into the agent's transcript.
    customer.locator("button.hang-up").click()
    wait_video(customer, "closed", widget=True)
    wait_video(agent, "closed", widget=False)
    agent.locator("#messages li", has_text="Video call ended.").wait_for()
    assert agent.locator("#messages li", has_text="Video call started.").count() == 1
    # Restart: the customer asks, the agent sees it and starts again; the customer agrees again.
    customer.locator("button.rejoin").click()
    agent.locator("#video-state", has_text="would like to restart").wait_for()
    agent.click("#video-start")
    customer.locator("button.join").click()
    wait_video(customer, "connected", widget=True)
    wait_video(agent, "connected", widget=False)
    agent.click("#video-end")
    wait_video(customer, "closed", widget=True)
    # The agent's second Start after their own hang-up reaches the customer too (it used to wait forever).
    agent.click("#video-start")
    customer.locator("button.join").click()
    wait_video(customer, "connected", widget=True)
    wait_video(agent, "connected", widget=False)
    assert customer.evaluate("window.__mediaRequests") == 3
    agent.click("#video-end")
    wait_video(customer, "closed", widget=True)


def test_media_failure_says_so_and_the_chat_carries_on(widget_stack, browser) -> None:
    context = browser.new_context()
    context.add_init_script("navigator.mediaDevices.getUserMedia = () => Promise.reject("
                            "new DOMException('denied', 'NotAllowedError'));")
    customer = context.new_page()
    customer.goto(f"{widget_stack.url}/chat/")
    customer.locator("button.launcher").click()
    customer.wait_for_function("() => document.querySelector('#heard-chat-widget').shadowRoot"
                               ".querySelector('.status').textContent.startsWith('Connected')")
    sid = session_id(customer)
    ticket = _ticket(widget_stack.url, sid, mode="video")
    widget_stack.rasa.say(sid, {"handoff": {"ticket_id": ticket["id"], "customer_token": ticket["customer_token"],
                                            "mode": "video"}})
    agent = browser.new_context().new_page()
    login(agent, widget_stack.url)
    agent.locator("#queue-body tr").first.get_by_role("button").click()
    agent.click("#video-start")
    customer.locator("button.join").click()
    alert = customer.locator("section.video [role=alert]")
    alert.wait_for()
    assert alert.inner_text() == ("Your browser did not allow the camera and microphone. "
                                  "You can carry on here in the chat.")
    agent.locator("#video-state", has_text="camera or microphone could not be used").wait_for()
    customer.locator("#heard-text").fill("can we just chat instead?")
    customer.keyboard.press("Enter")
    widget_stack.rasa.wait_for_text("can we just chat instead?")


def serious_violations(page) -> list:  # type: ignore[no-untyped-def]
    """axe-core's serious and critical findings on the page as it is now (shadow roots included)."""
    if page.evaluate("typeof window.axe") == "undefined":
        page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]
            if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 800}, {"width": 360, "height": 640}])
def test_widget_has_no_serious_accessibility_violations(widget_stack, browser, viewport) -> None:
    if not AXE.exists():
        pytest.skip("axe-core is not installed (npm ci --prefix tests/tools)")
    # bypass_csp: axe is added as a script the page's policy would (rightly) refuse.
    page = open_widget(browser, f"{widget_stack.url}/chat/", viewport=viewport, bypass_csp=True)
    sid = session_id(page)
    widget_stack.rasa.say(sid, {"text": "Sam (a person): Hello, I'm Sam."})
    widget_stack.rasa.say(sid, SCORE_PROMPT)
    page.locator(".score button").first.wait_for()
    assert serious_violations(page) == []
    page.locator("button.end").click()  # the end-chat confirmation too
    assert serious_violations(page) == []


def test_typing_shows_both_ways_while_a_person_has_the_chat(widget_stack, browser) -> None:
    customer = open_widget(browser, f"{widget_stack.url}/chat/")
    sid = session_id(customer)
    ticket = _ticket(widget_stack.url, sid, mode="chat")
    widget_stack.rasa.say(sid, {"handoff": {"ticket_id": ticket["id"], "customer_token": ticket["customer_token"],
                                            "mode": "chat"}})
    agent = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    login(agent, widget_stack.url)
    agent.locator("#queue-body tr").first.get_by_role("button").click()
    assert agent.locator("#video-panel").is_hidden()  # a chat ticket: no video panel, but the room for typing
    widget_stack.rasa.say(sid, {"text": "Sam (a person): Hello Priya"})
    customer.locator("li.message.agent").wait_for()
    typing = customer.locator(".typing")
    deadline = time.monotonic() + 15
    while not typing.is_visible() and time.monotonic() < deadline:
        agent.locator("#reply-text").press_sequentially("Let me check", delay=20)  # until both are in the room
        agent.wait_for_timeout(300)
    assert typing.inner_text().startswith("Sam is typing")
    customer.locator("#heard-text").press_sequentially("Thank you", delay=20)
    agent.locator("#customer-typing", has_text="Priya is typing").wait_for()
    # An agent's message ends the "typing" line.
    widget_stack.rasa.say(sid, {"text": "Sam (a person): Found it."})
    typing.wait_for(state="hidden")


FAKE_SOCKET = """
window.__sent = [];
window.WebSocket = class {
  constructor(url) { this.url = url; this.readyState = 1; window.__url = url; setTimeout(() => this.onopen && this.onopen(), 0); }
  send(message) { window.__sent.push(JSON.parse(message)); }
  close() {}
};
"""


def test_typing_signals_at_most_one_every_two_seconds_and_the_token_is_the_first_message(widget_stack, browser) -> None:
    page = browser.new_context().new_page()
    page.add_init_script(FAKE_SOCKET)
    page.clock.install(time=1_000)
    page.goto(f"{widget_stack.url}/chat/no-such-page")  # a page of the service's origin, without the widget
    page.add_script_tag(url=f"{widget_stack.url}/chat/video.js")
    page.evaluate("window.__room = window.HeardVideo.openRoom({role: 'customer', ticketId: 7, token: 'secret'})")
    page.clock.run_for(10)
    assert page.evaluate("window.__url").endswith("/api/v1/video/7/signal")  # no token in the URL
    sent = []
    for at in (2_000.0, 2_001.999, 2_002.0, 2_002.001, 2_004.0):  # seconds (Playwright's clock takes seconds)
        page.clock.set_fixed_time(at)
        page.evaluate("window.__room.typing()")
        sent.append(page.evaluate("window.__sent.filter(m => m.type === 'typing').length"))
    assert sent == [1, 1, 2, 2, 3]  # just below, at and just above the 2 s spacing
    assert page.evaluate("window.__sent[0]") == {"type": "auth", "token": "secret"}
