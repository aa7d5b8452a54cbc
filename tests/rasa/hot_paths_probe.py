"""Runs in Rasa's runtime: rasa_addons/hot_paths.py answers as Rasa does, with less work.

    .venv-rasa/bin/python tests/rasa/hot_paths_probe.py

Event classes: the same class for every name, the subclasses walked once per name. Slot copies: the same
copy of every slot of Heard's domain, and the same dialogue states for a conversation. Applied events: the same
event objects, in the same order, for every prefix of random conversations (tests/rasa/dialogue_states_probe.py's
turns: rewinds, restarts, new sessions, forms run again), as Rasa's own method finds them.
"""
from __future__ import annotations

import copy
import json
import random
from pathlib import Path

import rasa.shared.utils.common as common
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, Event, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from rasa_addons import hot_paths
from tests.rasa.dialogue_states_probe import FORMS, turn

DOMAIN = Domain.load(str(Path(__file__).resolve().parents[2] / "domain.yml"))
RASA_APPLIED = DialogueStateTracker.applied_events


def form_run_again(form: str, clock: list) -> list:
    """A form activated and run, then run again after the customer's next answer."""
    def at(event):
        clock[0] += 1.0
        event.timestamp = clock[0]
        return event

    return [at(UserUttered("text", {"name": "inform", "confidence": 1.0})), at(ActionExecuted(form)),
            at(ActiveLoop(form)), at(ActionExecuted("action_listen")),
            at(UserUttered("text", {"name": "inform", "confidence": 1.0})), at(ActionExecuted(form)),
            at(ActionExecuted("action_listen"))]


def applied_events(conversations: int = 120) -> dict:
    """Ours against Rasa's on every prefix of random conversations; counts what the comparison went through."""
    record = {"compared": 0, "differ": 0, "undone": 0, "loop_undone": 0}
    undo_loop = DialogueStateTracker._undo_till_previous_loop_execution

    def counted(*args):
        record["loop_undone"] += 1
        return undo_loop(*args)

    DialogueStateTracker._undo_till_previous_loop_execution = staticmethod(counted)
    try:
        clock = [1_000.0]
        for seed in range(conversations):
            rng = random.Random(seed)
            tracker = DialogueStateTracker.from_events(f"c{seed}", [ActionExecuted("action_listen")], DOMAIN.slots)
            turns = [turn(rng, clock) for _ in range(rng.randint(4, 16))]
            # A form run again on the next customer turn, somewhere in every conversation: Rasa undoes the repeat
            # (what loop_undone counts); random turns alone reach it only by chance, which a change to the domain's
            # action list can take away (session 8: 0 in 400 conversations after two responses were added).
            turns.insert(rng.randrange(len(turns) + 1), form_run_again(rng.choice(FORMS), clock))
            for events in turns:
                for event in events:
                    tracker.update(event)
                    theirs, ours = RASA_APPLIED(tracker), hot_paths.applied_events(tracker)
                    record["compared"] += 1
                    record["differ"] += [id(e) for e in theirs] != [id(e) for e in ours]
                    record["undone"] += len(theirs) < len(tracker.events)
    finally:
        DialogueStateTracker._undo_till_previous_loop_execution = staticmethod(undo_loop)
    return record


def answers() -> dict:
    names = sorted({cls.type_name for cls in common.all_subclasses(Event)})
    result = {name: Event.resolve_by_type(name).__name__ for name in names}
    result["topic"] = repr(Event.resolve_by_type("topic"))
    result["unknown with default"] = Event.resolve_by_type("no_such_event", UserUttered).__name__
    try:
        Event.resolve_by_type("no_such_event")
        result["unknown"] = "no error"
    except ValueError as error:
        result["unknown"] = str(error)
    return result


def slot_copies() -> dict:
    copies = {}
    for slot in DOMAIN.slots:
        copied = copy.copy(slot)
        copied.value = "changed"  # the copy's value is its own
        copies[slot.name] = [type(copied).__name__, sorted((k, repr(v)) for k, v in vars(copied).items()
                                                           if k != "_value"), slot.value != "changed"]
    return copies


def dialogue_states() -> str:
    events = [ActionExecuted("action_listen"), UserUttered("hi", {"name": "greet"}),
              SlotSet("emotion_tone", "mild"), ActionExecuted("utter_greet"), ActionExecuted("action_listen"),
              UserUttered("my car was stolen", {"name": "report_theft"}), SlotSet("product", "motor"),
              ActionExecuted("action_acknowledge_claim"), ActionExecuted("action_listen")]
    tracker = DialogueStateTracker.from_events("probe", events, DOMAIN.slots)
    return repr(tracker.past_states(DOMAIN))


def main() -> None:
    rasa_answers, rasa_copies, rasa_states = answers(), slot_copies(), dialogue_states()
    applied = applied_events()
    installed = [hot_paths.install(), hot_paths.install()]
    walks = []
    original = common.all_subclasses

    def counting(cls):
        if cls is Event:
            walks.append(1)
        return original(cls)

    common.all_subclasses = counting
    ours = answers()
    walks_first = len(walks)
    events = [Event.from_parameters(event.as_dict())
              for event in [UserUttered("hello"), ActionExecuted("action_listen")] * 50]
    print(json.dumps({"rasa": rasa_answers, "ours": ours, "rasa_copies": rasa_copies, "our_copies": slot_copies(),
                      "same_states": dialogue_states() == rasa_states,
                      "direct_copy": getattr(DOMAIN.slots[0].__class__, "__copy__", None) is hot_paths._copy_slot, "slots": len(DOMAIN.slots), "installed": installed, "walks_first": walks_first,
                      "walks_for_100_events": len(walks) - walks_first,
                      "read_back": sorted({type(event).__name__ for event in events}), "applied": applied,
                      "applied_installed": DialogueStateTracker.applied_events is hot_paths.applied_events}))


if __name__ == "__main__":
    main()
