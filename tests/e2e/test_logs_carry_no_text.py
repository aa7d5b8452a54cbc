"""Logs carry ids, never what a customer wrote (issue #19): a conversation through the three real services
(fraud, bereavement and hardship messages, a handoff with an agent's reply, the customer's polling token), then
every log file of the stack is read and must hold none of the words, the personal data or the tokens."""
from __future__ import annotations

import time

import httpx
import pytest

from tests.e2e.conftest import Customer, handoff_payload, wait_for

pytestmark = pytest.mark.e2e
ACCEPT_CHAT = '/handoff_accept{"handoff_mode":"chat"}'
# Each with a word no other test or log line would carry.
MESSAGES = [
    "someone used my card 4111 1111 1111 1111 and I think it is fraud, write to quillon.vantreck@example.com",
    "my husband Bartholomew Quenby passed away on Tuesday and I don't know what to do with the car policy MOT-318402",
    "I lost my job at Zentrobax and cannot pay my premium this month, call me on 07700 900461",
    "can I talk to a real person please",
]
SECRET_WORDS = ["quillon", "vantreck", "Bartholomew", "Quenby", "Zentrobax", "4111 1111 1111 1111", "07700 900461",
                "MOT-318402", "real person please", "Wrenfield", "glimmerquartz"]


def test_a_conversation_leaves_no_words_in_the_logs(running_stack, customer_named, agent):
    customer: Customer = customer_named("Wrenfield")
    replies: list[dict] = []
    for message in MESSAGES:
        replies = customer.say(message)
    accepted = customer.say(ACCEPT_CHAT)
    handoff = handoff_payload(accepted) or handoff_payload(replies)
    assert handoff, "the conversation should reach a person"
    customer.say("are you still there? my glimmerquartz necklace was in the car")
    claimed = agent.client.post(f"/api/v1/tickets/{handoff['ticket_id']}/claim")
    assert claimed.status_code == 200, claimed.text
    ticket = claimed.json()
    agent.reply(ticket["id"], "I'm so sorry about Bartholomew, Wrenfield. I'm here.")
    env = running_stack.settings.env
    for _ in range(2):  # the REST customer polls with the token, as a real client does (a query string too)
        httpx.get(f"{env['HANDOFF_URL']}/api/v1/tickets/{ticket['id']}/customer-messages",
                  headers={"Authorization": f"Bearer {handoff['customer_token']}"}, timeout=10).raise_for_status()
    stream = agent.client.post("/api/v1/auth/stream-token").json()["token"]
    httpx.get(f"{env['HANDOFF_URL']}/api/v1/tickets/{ticket['id']}/customer-messages?token={stream}", timeout=10)
    wait_for(lambda: any("Bartholomew" in (e.get("text") or "") for e in customer.tracker()["events"]
                         if e["event"] == "bot"), message="the agent's reply to reach the conversation")
    agent.resolve(ticket["id"])
    time.sleep(2)  # let the processes write what they would write

    logs = {path.name: path.read_text(errors="replace") for path in running_stack.log_dir.glob("*.log")}
    assert {"actions.log", "handoff.log", "rasa.log"} <= set(logs)
    assert any("/customer-messages" in text for text in logs.values())  # the access log is on and was read
    secrets = [*SECRET_WORDS, handoff["customer_token"], stream, agent.client.headers["Authorization"][7:]]
    found = {(name, word) for name, text in logs.items() for word in secrets if word.lower() in text.lower()}
    assert found == set(), f"message text or tokens in the logs: {sorted(found)}"
