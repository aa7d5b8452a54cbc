"""Customer messages written while the action server is down still reach the agent once it is back, in order and
once each — without the customer writing again: by the relay's retry (rasa_addons/relay_retry.py, actions/turn.py),
and, when that retry died with its Rasa process, by the handoff service's reconciler (handoff_service/reconcile.py)."""
from __future__ import annotations

import pytest

from stack.processes import Stack
from tests.e2e.conftest import Agent, Customer, handoff_payload, wait_for

pytestmark = pytest.mark.e2e
ACCEPT_CHAT = '/handoff_accept{"handoff_mode":"chat"}'
# The relay alone: the reconciler sweeps once at start (no tickets yet) and not again within the test.
RELAY_ONLY = {"HANDOFF_RECONCILE_INTERVAL_SECONDS": "3600"}
# The reconciler every second, for messages over 10 s old (younger ones are the relay's), back within 2 s of Rasa.
RECONCILER = {"HANDOFF_RECONCILE_INTERVAL_SECONDS": "1", "HANDOFF_RECONCILE_AFTER_SECONDS": "10",
              "HANDOFF_RECONCILE_BACKOFF_MAX_SECONDS": "2"}


def claimed_conversation(stack: Stack) -> tuple[Customer, Agent, dict]:
    customer = Customer(stack, first_name="Priya")
    customer.say("I need to speak to a person")
    assert handoff_payload(customer.say(ACCEPT_CHAT)), "the handoff did not start"
    agent = Agent(stack)
    claimed = agent.claim_next()
    assert claimed["conversation_id"] == customer.sender
    customer.say("before the restart")
    wait_for(lambda: any(m["text"] == "before the restart" for m in agent.messages(claimed["id"])), message="relay")
    return customer, agent, claimed


@pytest.mark.parametrize("private_stack", [RELAY_ONLY], indirect=True)
def test_messages_written_while_the_action_server_restarts_reach_the_agent(private_stack):
    stack = private_stack
    customer, agent, claimed = claimed_conversation(stack)

    actions = stack.service("actions")
    stack.stop_service(actions)
    written_while_down = ["my claim is CLM-20260114", "it was the kitchen ceiling", "please ring me after 5"]
    for text in written_while_down:
        assert customer.say(text) == []  # handed over: the bot stays silent, even with its actions away
    assert [e["text"] for e in customer.user_events()][-3:] == written_while_down  # in the tracker already
    stack.start_service(actions)
    stack.wait_ready(actions, 120)

    def relayed() -> list[str]:
        return [m["text"] for m in agent.messages(claimed["id"])]

    wait_for(lambda: written_while_down[-1] in relayed(), timeout=90,
             message="the messages written while the action server was down to reach the agent")
    texts = relayed()
    assert [t for t in texts if t in written_while_down] == written_while_down  # all, in order, once each
    assert texts.count("before the restart") == 1

    customer.say("are you there?")  # the next message: relayed once, and nothing relayed twice
    wait_for(lambda: "are you there?" in relayed(), message="the next message")
    texts = relayed()
    assert all(texts.count(t) == 1 for t in [*written_while_down, "before the restart", "are you there?"]), texts
    agent.resolve(claimed["id"])


@pytest.mark.parametrize("private_stack", [RECONCILER], indirect=True)
def test_a_message_whose_relay_retry_died_with_rasa_still_reaches_the_agent(private_stack):
    stack = private_stack
    customer, agent, claimed = claimed_conversation(stack)

    actions, rasa = stack.service("actions"), stack.service("rasa")
    stack.stop_service(actions)
    lost = ["the ceiling came down this morning", "I'm at my sister's now"]
    for text in lost:
        assert customer.say(text) == []  # in the tracker; Rasa keeps retrying the relay in its memory…
    stack.stop_service(rasa)  # …until it is stopped: the retry is gone, and nobody writes again
    stack.start_service(rasa)
    stack.wait_ready(rasa, 180)
    stack.start_service(actions)
    stack.wait_ready(actions, 120)

    def relayed() -> list[str]:
        return [m["text"] for m in agent.messages(claimed["id"])]

    wait_for(lambda: lost[-1] in relayed(), timeout=60, message="the lost messages to reach the agent")
    texts = relayed()
    assert [t for t in texts if t in lost] == lost  # both, in the order written, once each
    handoff_log = (stack.log_dir / "handoff.log").read_text(encoding="utf-8", errors="replace")
    assert "the relay never delivered imported from the tracker" in handoff_log  # the reconciler, not the relay

    customer.say("hello?")  # the relay sends what its outbox never had (the lost ones) again: still once each
    wait_for(lambda: "hello?" in relayed(), message="the next message")
    texts = relayed()
    assert all(texts.count(t) == 1 for t in [*lost, "before the restart", "hello?"]), texts
    agent.resolve(claimed["id"])
