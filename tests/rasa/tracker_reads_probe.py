"""Runs in Rasa's runtime: rasa_addons/tracker_reads.py reads back what Rasa's own ``_retrieve`` reads back.

    .venv-rasa/bin/python tests/rasa/tracker_reads_probe.py <sqlite file> <postgresql url> [conversations]

Random conversations over Heard's domain (tests/rasa/dialogue_states_probe.py's turns: slots, forms, hidden rule
turns, rewinds, restarts and new sessions) are stored turn by turn in each database, beside edge cases: sender ids
that differ by a prefix or a LIKE wildcard, a second session that starts at the same moment as the event before it,
a conversation that is only a session start, and an unknown sender. After every save both reads run on the same
store, for the latest session and for all sessions, and everything a caller can see of the two trackers is
compared. Rasa's read is the class's own method, taken before ``tracker_writes.install``.
"""
from __future__ import annotations

import asyncio
import json
import random
import sys

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import ActionExecuted, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from rasa_addons import tracker_reads, tracker_writes
from tests.rasa.dialogue_states_probe import DOMAIN, turn

# Rasa's own read, kept before tracker_writes.install() (called below) puts Heard's in its place.
RASA_RETRIEVE = SQLTrackerStore._retrieve


def sql_store(url: str, domain=DOMAIN) -> SQLTrackerStore:
    if not url.startswith("postgresql://"):
        return SQLTrackerStore(domain, dialect="sqlite", db=url)
    user_host, db = url.removeprefix("postgresql://").rsplit("/", 1)
    user, host_port = user_host.split("@")
    host, port = host_port.split(":")
    return SQLTrackerStore(domain, dialect="postgresql", host=host, port=int(port), db=db, username=user)


def seen(tracker: DialogueStateTracker | None):
    """All a caller reads of a tracker: its events as stored, its state, its slots and its sender."""
    if tracker is None:
        return None
    return json.dumps({"sender": tracker.sender_id, "events": [event.as_dict() for event in tracker.events],
                       "state": tracker.current_state(), "slots": {n: s.value for n, s in tracker.slots.items()},
                       "active_loop": tracker.active_loop, "latest": tracker.latest_action_name}, sort_keys=True,
                      default=repr)


async def compare(store: SQLTrackerStore, senders: list[str], record: dict) -> None:
    for sender in senders:
        for everything in (False, True):
            ours = await tracker_reads.retrieve(store, sender, everything)
            theirs = await RASA_RETRIEVE(store, sender, everything)
            record["reads"] += 1
            record["events"] += len(theirs.events) if theirs else 0
            record["none"] += theirs is None
            record["differ"] += seen(ours) != seen(theirs)
            if everything is False and theirs is not None:
                record["latest_shorter"] += len(theirs.events) < len((await RASA_RETRIEVE(store, sender, True)).events)


async def main(url: str, conversations: int) -> dict:
    store = sql_store(url)
    record = {"reads": 0, "events": 0, "none": 0, "differ": 0, "latest_shorter": 0}
    rng = random.Random(18)
    clock = [1_700_000_000.0]
    # Edge cases first: ids alike but different, a session started at the very moment of the event before it.
    alike = ["alike", "alike-2", "alik_", "ALIKE", "alike%"]
    for number, sender in enumerate(alike):
        events = [ActionExecuted("action_listen", timestamp=clock[0]), UserUttered("hi", timestamp=clock[0] + number)]
        await store.save(DialogueStateTracker.from_events(sender, events, DOMAIN.slots))
    tie = DialogueStateTracker.from_events("tie", [ActionExecuted("action_listen", timestamp=5.0),
                                                   SlotSet("policy_number", "P1", timestamp=7.0),
                                                   SessionStarted(timestamp=7.0),
                                                   ActionExecuted("action_listen", timestamp=7.0)], DOMAIN.slots)
    await store.save(tie)
    await store.save(DialogueStateTracker.from_events("only-start", [SessionStarted(timestamp=3.0)], DOMAIN.slots))
    await compare(store, alike + ["tie", "only-start", "nobody"], record)
    senders = [f"conversation-{number}" for number in range(conversations)]
    trackers = {sender: DialogueStateTracker.from_events(sender, [ActionExecuted("action_listen")], DOMAIN.slots)
                for sender in senders}
    for _ in range(12):
        for sender in senders:
            for event in turn(rng, clock):
                trackers[sender].update(event)
            await store.save(trackers[sender])
        await compare(store, senders, record)
    record["tie_latest"] = [e.type_name for e in (await tracker_reads.retrieve(store, "tie", False)).events]
    # A store made without a domain (Rasa gives it an empty one): the same tracker, without the domain's slots.
    bare = sql_store(url, None)
    record["no_domain"] = [seen(await read(bare, senders[0], False)) for read in (tracker_reads.retrieve, RASA_RETRIEVE)]
    record["installed"] = [tracker_writes.install(), tracker_writes.install()]
    record["served"] = seen(await store.retrieve(senders[0])) == seen(await RASA_RETRIEVE(store, senders[0], False))
    return record


if __name__ == "__main__":
    results = {}
    for url in sys.argv[1:3]:
        results["postgresql" if url.startswith("postgresql://") else "sqlite"] = asyncio.run(
            main(url, int(sys.argv[3]) if len(sys.argv) > 3 else 20))
    print(json.dumps(results))
