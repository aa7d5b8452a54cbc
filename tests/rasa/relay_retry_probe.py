"""Run by tests/rasa/test_relay_retry.py in Rasa's runtime: is a paused conversation's failed relay retried?

    .venv-rasa/bin/python tests/rasa/relay_retry_probe.py {schedule|outage} PORT -> JSON on stdout

"outage": the action endpoint is down while two messages of a paused conversation (and a few that must not
be retried) arrive; then a tiny action server comes up on PORT and records what it is asked.
"""
from __future__ import annotations

import asyncio
import json
import sys

from aiohttp import web
from rasa.core.actions.action import RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ConversationPaused, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from rasa_addons import relay_retry


def tracker(sender: str, texts: list[str], paused: bool = True) -> DialogueStateTracker:
    events = [ActionExecuted("action_listen")] + ([ConversationPaused()] if paused else [])
    events += [UserUttered(text, {"name": "inform", "confidence": 1.0}) for text in texts]
    return DialogueStateTracker.from_events(sender, events)


async def outage(port: int) -> dict:
    relay_retry.FIRST_RETRY_SECONDS, relay_retry.MAX_RETRY_SECONDS = 0.2, 0.4
    installed = [relay_retry.install(), relay_retry.install()]
    endpoint = EndpointConfig(f"http://127.0.0.1:{port}/webhook")
    domain, nlg = Domain.empty(), None
    failures = []

    async def call(action: str, state: DialogueStateTracker) -> None:
        try:
            await RemoteAction(action, endpoint).run(CollectingOutputChannel(), nlg, state, domain)
        except Exception as error:  # Rasa's ActionExtractSlots logs it and carries on
            failures.append(type(error).__name__)

    await call("action_assess_message", tracker("paused", ["first while down"]))
    await call("action_assess_message", tracker("paused", ["first while down", "second while down"]))
    await call("action_assess_message", tracker("talking", ["hello"], paused=False))  # the bot answers it
    await call("action_other", tracker("other", ["hi"]))  # not the relay
    await call("action_assess_message", tracker("refused", ["x"]))
    waiting_while_down = sorted(relay_retry._waiting)

    received: list[dict] = []

    async def webhook(request: web.Request) -> web.Response:
        body = await request.json()
        sender = body["tracker"]["sender_id"]
        received.append({"sender": sender, "action": body["next_action"],
                         "texts": [e["text"] for e in body["tracker"]["events"] if e["event"] == "user"]})
        if sender == "refused":  # the action server refuses the action itself: not retried
            return web.json_response({"action_name": body["next_action"], "error": "no"}, status=400)
        return web.json_response({"events": [], "responses": []})

    await asyncio.sleep(0.5)  # a few failed retries first
    app = web.Application()
    app.router.add_post("/webhook", webhook)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    for _ in range(50):
        await asyncio.sleep(0.1)
        if not relay_retry._waiting:
            break
    await asyncio.sleep(0.5)  # nothing more arrives
    await runner.cleanup()
    return {"installed": installed, "failures": failures, "waiting_while_down": waiting_while_down,
            "received": received, "waiting_after": sorted(relay_retry._waiting)}


if __name__ == "__main__":
    if sys.argv[1] == "schedule":
        print(json.dumps({"delays": list(relay_retry.retry_delays()), "give_up": relay_retry.GIVE_UP_AFTER_SECONDS}))
    else:
        print(json.dumps(asyncio.run(outage(int(sys.argv[2])))))
