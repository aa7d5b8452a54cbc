"""The agent console and the dashboard in headless Chromium: each console defect of issue #20 as a regression test.

Layout that uses the width (1280, 1440 px, 1280 px at 125 % zoom) with no sideways scroll; new tickets announced
(live region, opt-in sound and desktop notice); summary and transcript without payloads; the emotion chart grows
with every message; Enter sends; suggested and saved replies; notes; customer panel; resolve outcome; history and
search; presence lapses when the console closes; dashboard for team leads only; axe-core finds no serious problem.
Screenshots go to $HEARD_SCREENSHOTS_DIR when set (docs/screenshots is written that way).
"""
from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from handoff_service.app import build_runtime, create_app
from handoff_service.config import PROJECT_ROOT, Settings, replace_settings
from handoff_service.models import AgentRole

from .fake_rasa import FakeRasa
from .helpers import AGENT_PASSWORD, LiveServer, make_agent, service_headers
from .test_console_browser import CHROMIUM, CHROMIUM_ARGS

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright python package is not installed")
AXE = PROJECT_ROOT / "tests" / "tools" / "node_modules" / "axe-core" / "axe.min.js"
VIDEO = '/handoff_accept{"handoff_mode":"video"}'
LEAD, AGENT = "lee@heard.example", "sam@heard.example"
PRESENCE_TIMEOUT = 3.0


@pytest.fixture
def server(fresh_db_url: str, settings: Settings) -> Iterator[LiveServer]:
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    with FakeRasa() as rasa:
        runtime = build_runtime(replace_settings(settings, database_url=fresh_db_url, run_background_tasks=True,
                                                 presence_timeout_seconds=PRESENCE_TIMEOUT, rasa_url=rasa.url,
                                                 maintenance_interval_seconds=0.5))
        with runtime.session() as session:
            make_agent(session, "Sam", email=AGENT)
            make_agent(session, "Lee", email=LEAD, online=False).role = AgentRole.team_lead
            session.commit()
        with LiveServer(create_app(runtime.settings, runtime=runtime)) as live:
            yield live


@pytest.fixture
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def ticket(base: str, conversation_id: str, **extra: Any) -> dict[str, Any]:
    body = {"conversation_id": conversation_id, "customer_first_name": "Priya", "priority": "high",
            "reasons": ["Strong emotion in one message \u2014 waiting time: \u201cnobody has called me\u201d"],
            "trigger": "high_intensity", "intensity": 0.8, "dominant_emotion": "anger", **extra}
    response = httpx.post(f"{base}/api/v1/tickets", headers=service_headers(), json=body)
    response.raise_for_status()
    return response.json()


def say(base: str, ticket_id: int, text: str, **emotion: Any) -> None:
    httpx.post(f"{base}/api/v1/tickets/{ticket_id}/messages", headers=service_headers(),
               json={"text": text, **emotion}).raise_for_status()


def login(page: Any, base: str, email: str = AGENT) -> None:
    page.goto(f"{base}/console")
    page.fill("#email", email)
    page.fill("#password", AGENT_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#live-status:text('live')")


def wait_until(page: Any, expression: str, timeout: float = 10.0) -> None:
    """page.wait_for_function compiles its predicate with eval, which the console's CSP (rightly) refuses."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"still false after {timeout}s: {expression}"
        time.sleep(0.1)


def no_sideways_scroll(page: Any) -> None:
    widths = page.evaluate("""() => { const t = document.querySelector('table.queue');
        return {table: t.scrollWidth, box: t.parentElement.clientWidth, doc: document.documentElement.scrollWidth,
                view: window.innerWidth}; }""")
    assert widths["table"] <= widths["box"] and widths["doc"] <= widths["view"], widths


@pytest.mark.parametrize(("width", "height", "zoom"), [(1280, 800, 1.0), (1440, 900, 1.0), (1280, 800, 1.25)],
                         ids=["1280px", "1440px", "1280px-at-125%"])
def test_the_layout_uses_the_width_and_the_queue_never_scrolls_sideways(server: LiveServer, browser: Any, width: int,
                                                                        height: int, zoom: float) -> None:
    base = server.url
    for i, name in enumerate(["Priya", "Bartholomew-Featherstonehaugh", "Tom"]):
        ticket(base, f"layout-{i}", customer_first_name=name, preferred_mode=["chat", "video", "callback"][i],
               callback_phone="+44 7700 900123")
    # A laptop at 125 % zoom shows 1280 device pixels as 1024 CSS pixels.
    page = browser.new_page(viewport={"width": round(width / zoom), "height": round(height / zoom)},
                            device_scale_factor=zoom)
    login(page, base)
    page.locator("#queue-body tr").nth(2).wait_for()
    no_sideways_scroll(page)
    queue = page.locator("#queue-pane").bounding_box()
    assert queue["width"] > 0.9 * (width / zoom - 40)  # nothing open: the queue has the whole width
    page.locator("#queue-body tr").first.get_by_role("button").click()
    page.wait_for_selector("#context-pane:not([hidden])")
    boxes = [page.locator(f"#{pane}").bounding_box() for pane in ("queue-pane", "ticket-view", "context-pane")]
    assert all(abs(box["y"] - boxes[0]["y"]) < 2 for box in boxes)  # side by side
    assert boxes[0]["x"] + boxes[0]["width"] <= boxes[1]["x"] and boxes[1]["x"] + boxes[1]["width"] <= boxes[2]["x"]
    assert sum(box["width"] for box in boxes) > 0.9 * (width / zoom - 40 - 32)  # no empty two thirds
    assert min(box["width"] for box in boxes) >= 250
    no_sideways_scroll(page)
    for column in ("Customer", "Wait", "Emotion"):
        assert page.locator("table.queue th", has_text=column).is_visible()
    page.close()


RECORD_ALERTS = """
window.__notices = [];
window.Notification = class { constructor(title, options) { window.__notices.push([title, options && options.body]); }
  static get permission() { return "granted"; } static requestPermission() { return Promise.resolve("granted"); } };
window.__tones = 0;
const original = AudioContext.prototype.createOscillator;
AudioContext.prototype.createOscillator = function () { window.__tones += 1; return original.call(this); };
"""


def test_new_tickets_are_announced_and_sound_and_desktop_notice_are_opt_in(server: LiveServer, browser: Any) -> None:
    base = server.url
    context = browser.new_context()
    context.add_init_script(RECORD_ALERTS)
    page = context.new_page()
    login(page, base)
    announcer = page.locator("#queue-announcer")
    assert announcer.get_attribute("aria-live") == "polite" and announcer.get_attribute("role") == "status"
    ticket(base, "announce-1", customer_first_name="Ann", priority="urgent")
    wait_until(page, "document.getElementById('queue-announcer').textContent.includes('Ann')")
    assert announcer.text_content().startswith("New conversation: Ann, urgent, Strong emotion")
    assert page.evaluate("[window.__notices.length, window.__tones]") == [0, 0]  # nothing until the agent opts in
    page.check("#alert-sound")
    page.check("#alert-desktop")
    page.evaluate("window.__tones = 0")
    ticket(base, "announce-2", customer_first_name="Bob")
    wait_until(page, "window.__notices.length === 1")
    assert page.evaluate("window.__notices")[0] == ["Heard: someone is waiting",
                                                   "New conversation: Bob, high, Strong emotion in one message "
                                                   "\u2014 waiting time: \u201cnobody has called me\u201d"]
    assert page.evaluate("window.__tones") >= 2
    page.reload()
    page.wait_for_selector("#live-status:text('live')")
    assert page.is_checked("#alert-sound") and page.is_checked("#alert-desktop")  # remembered in this browser
    context.close()


def test_summary_and_transcript_show_no_payloads_and_the_chart_grows_with_every_message(server: LiveServer,
                                                                                        browser: Any) -> None:
    base = server.url
    created = ticket(base, "chart", preferred_mode="video",
                     slots={"incident_type": "water_damage", "incident_date": "12 November"},
                     emotion_timeline=[{"turn": 0, "intensity": 0.8, "emotion": "anger", "band": "upset"}],
                     transcript=[
                         {"sender": "customer", "text": "I reported the water damage three weeks ago and nobody has "
                                                        "called me. I need someone to sort this out.", "intensity": 0.8},
                         {"sender": "bot", "text": "Would you like a person?",
                          "buttons": [{"title": "Video call", "payload": VIDEO}]},
                         {"sender": "customer", "text": VIDEO}, {"sender": "customer", "text": "/restart"}])
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    login(page, base)
    page.locator("#queue-body tr").first.get_by_role("button").click()
    page.wait_for_selector("#ticket-view:not([hidden])")
    whole = page.locator("#ticket-view").text_content() + page.locator("#context-pane").text_content()
    assert "handoff_accept" not in whole and "/restart" not in whole
    assert page.locator("#transcript li.choice").text_content() == "customer choseVideo call"
    understood = page.locator("#ticket-understood").inner_text()
    assert "Reason\nStrong emotion in one message \u2014 waiting time" in understood
    assert "Incident\nWater damage on 12 November" in understood
    assert "Wants\nto talk to a person by video call; \u201cI need someone to sort this out.\u201d" in understood
    count = "Chart.getChart(document.getElementById('emotion-chart')).data.datasets[0].data.length"
    assert page.evaluate(count) == 1
    say(base, created["id"], "Hello?? This is ridiculous", intensity=0.7, emotion="anger", band="upset")
    wait_until(page, f"{count} === 2")
    say(base, created["id"], "Thank you, that helps", intensity=0.2, emotion="relief", band="mild")
    wait_until(page, f"{count} === 3")
    assert page.evaluate("Chart.getChart(document.getElementById('emotion-chart')).data.datasets[0].data") == [80, 70, 20]
    assert "3 readings; latest 20% relief, peak 80%" in page.locator("#emotion-chart").get_attribute("aria-label")
    page.fill("#reply-text", "Glad to hear it")
    page.press("#reply-text", "Enter")
    page.locator("#messages li.from-agent").first.wait_for()
    assert page.evaluate(count) == 3  # the agent's own words are not emotion readings
    page.close()


def test_the_agent_works_with_assist_notes_context_history_and_an_outcome(server: LiveServer, browser: Any) -> None:
    base = server.url
    earlier = ticket(base, "assist-0", slots={"policy_number": "HOM-204815"}, customer_first_name="Priya")
    token = httpx.post(f"{base}/api/v1/auth/login", json={"email": AGENT, "password": AGENT_PASSWORD}).json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    httpx.post(f"{base}/api/v1/tickets/{earlier['id']}/claim", headers=auth).raise_for_status()
    httpx.post(f"{base}/api/v1/tickets/{earlier['id']}/resolve", headers=auth, json={"outcome": "answered"}).raise_for_status()
    httpx.post(f"{base}/api/v1/saved-replies", headers=auth,
               json={"title": "Excess", "text": "Your home excess is \u00a3250."}).raise_for_status()
    created = ticket(base, "assist-1", customer_context={"verified": False, "customer_name": "Priya"},
                     emotion_timeline=[{"intensity": 0.6, "band": "upset"}],
                     transcript=[{"sender": "customer", "text": "my policy is hom 204815 and the kitchen is flooded"}])
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    login(page, base)
    page.locator("#queue-body tr").first.get_by_role("button").click()
    page.wait_for_selector("#ticket-view:not([hidden])")
    panel = page.locator("#customer-panel").inner_text()
    assert "not verified" in panel and "Policy (from the chat)\nHOM-204815" in panel
    page.locator("#customer-history li").first.wait_for()
    assert f"#{earlier['id']}" in page.locator("#customer-history").inner_text()
    # Suggested replies: for an upset customer with water damage, named; editable before sending; Enter sends.
    suggestions = page.locator("#suggestions button")
    suggestions.first.wait_for()
    assert 2 <= suggestions.count() <= 3 and all("Priya" in t for t in suggestions.all_text_contents())
    assert page.locator("#assist-why").text_content() == "(upset \u00b7 water damage)"
    first = suggestions.first.text_content()
    suggestions.first.click()
    assert page.input_value("#reply-text") == first
    page.press("#reply-text", "End")
    page.type("#reply-text", " Back soon.")
    page.press("#reply-text", "Enter")
    page.locator("#messages li.from-agent").first.wait_for()
    assert page.locator("#messages li.from-agent .text").last.text_content() == first + " Back soon."
    assert page.input_value("#reply-text") == ""
    page.type("#reply-text", "line one")
    page.press("#reply-text", "Shift+Enter")
    page.type("#reply-text", "line two")
    assert page.locator("#messages li.from-agent").count() == 1  # Shift+Enter did not send
    page.press("#reply-text", "Enter")
    wait_until(page, "document.querySelectorAll('#messages li.from-agent').length === 2")
    assert page.locator("#messages li.from-agent .text").last.text_content() == "line one\nline two"
    page.select_option("#saved-replies", label="Excess")
    assert page.input_value("#reply-text") == "Your home excess is \u00a3250."
    page.fill("#reply-text", "A loss adjuster will call you within 48 hours.")
    page.fill("#save-title", "Loss adjuster")
    page.click("#save-reply")
    page.locator("#saved-replies option", has_text="Loss adjuster").wait_for(state="attached")
    saved = httpx.get(f"{base}/api/v1/saved-replies", headers=auth).json()
    assert [(r["title"], r["text"]) for r in saved] == [("Excess", "Your home excess is \u00a3250."),
                                                        ("Loss adjuster", "A loss adjuster will call you within 48 hours.")]
    page.fill("#reply-text", "")
    # An internal note is shown to agents and never joins the conversation.
    page.fill("#note-text", "Check the loss adjuster's report first")
    page.click("#note-form button[type=submit]")
    page.locator("#notes li", has_text="loss adjuster").wait_for()
    assert "loss adjuster" not in page.locator("#messages").text_content()
    # Search of past tickets.
    page.fill("#search-q", "hom-204815")
    page.click("#search-form button[type=submit]")
    page.locator("#search-results li").nth(1).wait_for()
    # Resolve asks for an outcome first.
    page.click("#resolve")
    assert page.locator("#ticket-error").text_content() == "Choose an outcome before resolving."
    assert page.locator("#ticket-status").text_content() == "claimed"
    page.select_option("#resolve-outcome", "claim_opened")
    page.click("#resolve")
    page.wait_for_selector("#ticket-status:text('resolved \u00b7 claim opened')")
    detail = httpx.get(f"{base}/api/v1/tickets/{created['id']}", headers=auth).json()
    assert detail["outcome"] == "claim_opened" and [n["text"] for n in detail["notes"]] == [
        "Check the loss adjuster's report first"]
    assert [m["text"] for m in detail["messages"] if m["sender"] == "agent"] == [first + " Back soon.", "line one\nline two"]
    page.close()


def availability(base: str) -> dict[str, Any]:
    return httpx.get(f"{base}/api/v1/availability", headers=service_headers()).json()


def test_presence_lapses_to_away_when_the_console_is_closed(server: LiveServer, browser: Any) -> None:
    base = server.url
    page = browser.new_page()
    login(page, base)
    time.sleep(PRESENCE_TIMEOUT + 1.5)  # the open console keeps beating (every timeout / 3)
    assert availability(base)["agents_online"] == 1
    page.close()  # no log-out: the tab is simply gone
    deadline = time.monotonic() + PRESENCE_TIMEOUT + 5
    while availability(base)["agents_online"] != 0 and time.monotonic() < deadline:
        time.sleep(0.25)
    assert availability(base) | {"next_opening": None} == {"agents_online": 0, "within_hours": True,
                                                          "next_opening": None, "offline_option": "callback"}
    token = httpx.post(f"{base}/api/v1/auth/login", json={"email": AGENT, "password": AGENT_PASSWORD}).json()["access_token"]
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:  # the maintenance pass writes it down for everyone to see
        me = httpx.get(f"{base}/api/v1/agents/me", headers={"Authorization": f"Bearer {token}"}).json()
        if me["presence"] == "away":
            break
        time.sleep(0.2)
    assert me["presence"] == "away"


def seed_dashboard(base: str) -> None:
    token = httpx.post(f"{base}/api/v1/auth/login", json={"email": AGENT, "password": AGENT_PASSWORD}).json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    for i, (trigger, band, intensity, score, outcome) in enumerate([
            ("vulnerability", "distressed", 0.9, 10, "claim_opened"), ("explicit_request", "mild", 0.3, 9, "answered"),
            ("high_intensity", "upset", 0.7, 6, "complaint_logged"), ("sustained_distress", "distressed", 0.8, 9, "referred")]):
        created = ticket(base, f"dash-{i}", trigger=trigger, intensity=intensity,
                         emotion_timeline=[{"intensity": intensity, "band": band}])
        httpx.post(f"{base}/api/v1/tickets/{created['id']}/claim", headers=auth).raise_for_status()
        httpx.post(f"{base}/api/v1/tickets/{created['id']}/resolve", headers=auth, json={"outcome": outcome}).raise_for_status()
        httpx.post(f"{base}/api/v1/surveys", headers=service_headers(),
                   json={"conversation_id": f"dash-{i}", "ticket_id": created["id"], "score": score}).raise_for_status()
    for i, score in enumerate([9, 10, 8, 4, 9]):
        httpx.post(f"{base}/api/v1/surveys", headers=service_headers(),
                   json={"conversation_id": f"bot-only-{i}", "score": score}).raise_for_status()


def test_the_dashboard_is_for_team_leads_and_draws_every_section(server: LiveServer, browser: Any) -> None:
    base = server.url
    seed_dashboard(base)
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    login(page, base, AGENT)
    assert page.locator("#dashboard-link").is_hidden()
    page.goto(f"{base}/dashboard")
    page.wait_for_selector("#dashboard-error:text('The dashboard is for team leads.')")
    assert page.locator("#dashboard").is_hidden()
    page.close()
    page = browser.new_page(viewport={"width": 1440, "height": 1000})  # another tab: its own sign-in
    login(page, base, LEAD)
    page.click("#dashboard-link")
    page.wait_for_selector("html[data-loaded=true]")
    assert page.locator("#tnps-overall").text_content() == "44.4 overall (9 answers)"  # promoters 6, detractors 2
    for canvas in ("chart-path", "chart-trigger", "chart-band", "chart-escalations", "chart-intensity"):
        assert page.evaluate(f"Chart.getChart(document.getElementById('{canvas}')) !== undefined"), canvas
    assert page.evaluate("Chart.getChart(document.getElementById('chart-path')).data.labels") == ["bot only", "handed over"]
    assert "path: handed over" in page.locator("#tnps-table").inner_text()
    assert "Sam" in page.locator("#agents-table").inner_text()
    with page.expect_download() as download:
        page.click("[data-csv=agents]")
    assert Path(download.value.path()).read_text(encoding="utf-8").startswith("agent_id,name,resolved")
    page.close()


def run_axe(page: Any) -> list[dict[str, Any]]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [{"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


def test_axe_finds_no_serious_problem_in_the_console_or_the_dashboard(server: LiveServer, browser: Any) -> None:
    if not AXE.exists():
        pytest.skip(f"axe-core not installed at {AXE} (./heard test installs it: npm ci --prefix tests/tools)")
    base = server.url
    seed_dashboard(base)
    created = ticket(base, "axe", customer_context={"verified": True, "customer_name": "Priya Shah",
                                                    "policies": [{"number": "HOM-204815", "product": "home", "status": "active"}],
                                                    "open_claims": [{"reference": "CLM-20814", "status": "open"}]},
                     slots={"policy_number": "HOM-204815", "incident_type": "water_damage", "incident_date": "12 November"},
                     emotion_timeline=[{"intensity": 0.4, "band": "upset", "emotion": "annoyance"},
                                       {"intensity": 0.8, "band": "upset", "emotion": "anger"}],
                     transcript=[{"sender": "customer", "text": "Hi, my policy is HOM-204815."},
                                 {"sender": "bot", "text": "Thanks, Priya. How can I help?"},
                                 {"sender": "customer", "text": "I reported the water damage THREE WEEKS ago and nobody "
                                                                "has called me. I need someone to sort this out.",
                                  "intensity": 0.8},
                                 {"sender": "bot", "text": "I'm sorry. Would you like to talk to a person?",
                                  "buttons": [{"title": "Yes, connect me", "payload": '/handoff_accept{"handoff_mode":"chat"}'}]},
                                 {"sender": "customer", "text": '/handoff_accept{"handoff_mode":"chat"}'}])
    ticket(base, "axe-waiting", customer_first_name="Tom", priority="urgent", trigger="vulnerability",
           reasons=["Vulnerable customer \u2014 bereavement: \u201cmy wife died last month\u201d"], intensity=0.7,
           dominant_emotion="sadness")
    # bypass_csp: axe is added as a script the page's policy would (rightly) refuse.
    context = browser.new_context(viewport={"width": 1280, "height": 800}, bypass_csp=True)
    page = context.new_page()
    login(page, base, LEAD)
    page.locator("#queue-body tr", has_text="Priya").get_by_role("button").click()
    page.wait_for_selector("#ticket-view:not([hidden])")
    say(base, created["id"], "Is anyone there? I've been waiting all morning.", intensity=0.7, emotion="anger", band="upset")
    page.locator("#messages li.from-customer").first.wait_for()
    page.fill("#reply-text", "Hi Priya, I'm Lee. I've read everything and I'm looking at your claim now.")
    page.press("#reply-text", "Enter")
    page.locator("#messages li.from-agent").first.wait_for()
    page.locator("#suggestions button").first.wait_for()
    page.fill("#note-text", "Promised a call from the loss adjuster today.")
    page.click("#note-form button[type=submit]")
    page.locator("#notes li", has_text="loss adjuster").wait_for()
    console_problems = run_axe(page)
    shots = os.getenv("HEARD_SCREENSHOTS_DIR")
    if shots:
        page.evaluate("for (const pane of document.querySelectorAll('.pane')) pane.scrollTop = 0")
        page.screenshot(path=str(Path(shots) / "console.png"))
    page.goto(f"{base}/dashboard")
    page.wait_for_selector("html[data-loaded=true]")
    dashboard_problems = run_axe(page)
    if shots:
        page.set_viewport_size({"width": 1440, "height": 1000})
        page.wait_for_timeout(300)
        page.screenshot(path=str(Path(shots) / "dashboard.png"), full_page=True)
    context.close()
    assert console_problems == [], json.dumps(console_problems, indent=1)
    assert dashboard_problems == [], json.dumps(dashboard_problems, indent=1)
