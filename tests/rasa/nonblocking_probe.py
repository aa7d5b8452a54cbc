"""Run by tests/rasa/test_nonblocking.py in Rasa's runtime: does parsing leave the event loop free?

    .venv-rasa/bin/python tests/rasa/nonblocking_probe.py {patched|unpatched} -> JSON on stdout

The fake NLU graph blocks until a coroutine on the event loop releases it. If the graph ran on the
loop (Rasa's own parse_message), that coroutine could not run and the wait times out.
"""
from __future__ import annotations

import asyncio
import json
import sys
import threading

from rasa.core.channels.channel import UserMessage
from rasa.core.processor import MessageProcessor

from rasa_addons import nonblocking

WAIT_SECONDS = 3.0


def fake_processor(release: threading.Event, seen: dict) -> MessageProcessor:
    processor = object.__new__(MessageProcessor)  # no model: only parse_message's own steps run
    processor.http_interpreter = None

    def graph(message, tracker, only_output_properties=True):
        seen["graph_thread"] = threading.get_ident()
        seen["tracker_sender"] = tracker.sender_id
        seen["released"] = release.wait(WAIT_SECONDS)
        return {"text": message.text, "intent": {"name": "greet", "confidence": 0.9}, "entities": []}

    processor._parse_message_with_graph = graph
    processor._check_for_unseen_features = lambda parse_data: seen.setdefault("checked", parse_data["text"])
    return processor


async def scenario(patched: bool) -> dict:
    release, seen = threading.Event(), {"loop_thread": threading.get_ident()}
    installed = [nonblocking.install(4), nonblocking.install(4)] if patched else []
    processor = fake_processor(release, seen)

    async def release_soon() -> None:
        await asyncio.sleep(0.05)
        release.set()

    releaser = asyncio.ensure_future(release_soon())
    parse = await processor.parse_message(UserMessage("hello there", sender_id="probe"))
    await releaser
    return {"installed": installed, "released": seen["released"], "parse": parse, "checked": seen.get("checked"),
            "tracker_sender": seen["tracker_sender"],
            "graph_ran_on_loop_thread": seen["graph_thread"] == seen["loop_thread"]}


if __name__ == "__main__" and sys.argv[1] != "tracker-store":
    mode = sys.argv[1]
    if mode == "invalid":
        try:
            nonblocking.install(0)
            print(json.dumps({"error": None}))
        except ValueError as error:
            print(json.dumps({"error": str(error)}))
    else:
        print(json.dumps(asyncio.run(scenario(mode == "patched"))))


async def tracker_store_scenario(directory: str) -> dict:
    """Saves and reads a conversation through SQLTrackerStore with the offload installed."""
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    threads: list[int] = []
    installed = [nonblocking.offload_tracker_store(2), nonblocking.offload_tracker_store(2)]
    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=f"{directory}/tracker.db")
    opened = store.session_scope

    def recording_scope():
        threads.append(threading.get_ident())
        return opened()

    store.session_scope = recording_scope
    tracker = DialogueStateTracker.from_events("probe", [
        ActionExecuted("action_listen"), UserUttered("hello", {"name": "greet", "confidence": 1.0}),
        ActionExecuted("utter_greet"), BotUttered("Hi!")])
    await store.save(tracker)
    tracker.update(UserUttered("thanks", {"name": "thank", "confidence": 1.0}))
    await store.save(tracker)
    again = await store.retrieve("probe")
    missing = await store.retrieve("nobody")
    return {"installed": installed, "texts": [e.text for e in again.events if isinstance(e, UserUttered)],
            "events": len(again.events), "missing": missing is None,
            "store_ran_on_loop_thread": threading.get_ident() in threads, "store_calls": len(threads)}


if __name__ == "__main__" and sys.argv[1] == "tracker-store":
    print(json.dumps(asyncio.run(tracker_store_scenario(sys.argv[2]))))
