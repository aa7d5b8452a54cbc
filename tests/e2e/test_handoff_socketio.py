"""The handoff loop on the website channel (socket.io): video is offered there, and the agent's
replies and the bot's return are pushed into the open socket."""
from __future__ import annotations

import queue
import uuid

import pytest
import socketio

from tests.e2e.conftest import wait_for

pytestmark = pytest.mark.e2e


class WebsiteCustomer:
    def __init__(self, rasa_url: str, first_name: str) -> None:
        self.session_id = uuid.uuid4().hex
        self.received: "queue.Queue[dict]" = queue.Queue()
        self.all: list[dict] = []
        self.first_name = first_name
        self.client = socketio.Client(reconnection=False)
        self.client.on("bot_uttered", self._on_bot)
        self.client.connect(rasa_url, socketio_path="/socket.io", transports=["websocket"])
        self.client.emit("session_request", {"session_id": self.session_id})

    def _on_bot(self, message: dict) -> None:
        self.all.append(message)
        self.received.put(message)

    def say(self, text: str) -> None:
        self.client.emit("user_uttered", {"message": text, "session_id": self.session_id,
                                          "customData": {"first_name": self.first_name}})

    def next(self, timeout: float = 20.0) -> dict:
        return self.received.get(timeout=timeout)

    def texts(self) -> list[str]:
        return [m.get("text") or "" for m in self.all]


def test_website_customer_is_offered_video_and_hears_the_agent(running_stack, agent):
    customer = WebsiteCustomer(running_stack.settings.env["RASA_URL"], "Priya")
    try:
        customer.say("can I speak to a real person please")
        offer = wait_for(lambda: [m for m in customer.all if m.get("quick_replies")], message="the offer")[0]
        payloads = [reply["payload"] for reply in offer["quick_replies"]]
        assert '/handoff_accept{"handoff_mode":"video"}' in payloads  # the website can show video
        assert "Priya" in offer["text"]

        customer.say('/handoff_accept{"handoff_mode":"video"}')
        handoff = wait_for(lambda: [m["handoff"] for m in customer.all if "handoff" in m], message="handoff")[0]
        assert handoff["mode"] == "video"
        assert handoff["video_room"] == f"/api/v1/video/{handoff['ticket_id']}/signal"

        ticket = agent.claim_next()
        assert ticket["id"] == handoff["ticket_id"] and ticket["preferred_mode"] == "video"
        customer.say("I can see the video link, thank you")
        wait_for(lambda: any(m["text"] == "I can see the video link, thank you" for m in agent.messages(ticket["id"])),
                 message="the website message to reach the agent")
        agent.reply(ticket["id"], "Hello Priya, starting the video call now.")
        wait_for(lambda: "Sam (a person): Hello Priya, starting the video call now." in customer.texts(),
                 message="the agent's reply pushed into the socket")
        agent.resolve(ticket["id"])
        wait_for(lambda: any("I hope Sam could help" in t for t in customer.texts()), message="the bot's return")
    finally:
        customer.client.disconnect()
