"""Customer messages written while the action server is down still reach the agent once it is back
(rasa_addons/relay_retry.py, actions/turn.py), in order and once each — without the customer writing again."""
from __future__ import annotations

import pytest

from stack.processes import Stack
from tests.e2e.conftest import Agent, Customer, handoff_payload, stack_settings, wait_for

pytestmark = pytest.mark.e2e
ACCEPT_CHAT = '/handoff_accept{"handoff_mode":"chat"}'


@pytest.fixture
def private_stack(tmp_path, callback_receiver):
    """A stack of its own, because this test stops and starts its action server."""
    from tests.e2e.conftest import _prepare_databases

    settings = stack_settings(tmp_path, CALLBACK_URL=callback_receiver.url, HANDOFF_RETRY_SECONDS="1")
    _prepare_databases(settings)
    with Stack(settings, log=lambda line: None) as stack:
        yield stack


def test_messages_written_while_the_action_server_restarts_reach_the_agent(private_stack):
    stack = private_stack
    customer = Customer(stack, first_name="Priya")
    customer.say("I need to speak to a person")
    assert handoff_payload(customer.say(ACCEPT_CHAT)), "the handoff did not start"
    agent = Agent(stack)
    claimed = agent.claim_next()
    assert claimed["conversation_id"] == customer.sender
    customer.say("before the restart")
    wait_for(lambda: any(m["text"] == "before the restart" for m in agent.messages(claimed["id"])), message="relay")

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
