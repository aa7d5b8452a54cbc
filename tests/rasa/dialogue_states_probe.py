"""Runs in Rasa's runtime: rasa_addons/dialogue_states.py gives Rasa's dialogue states, continuing its walks.

    .venv-rasa/bin/python tests/rasa/dialogue_states_probe.py [conversations]

Random conversations over Heard's domain (every kind of event that changes a state: actions hidden as rule
turns or not, intents with entities, slots of every kind that influences the conversation, forms starting and
ending, follow-up actions, rewound turns and actions, restarts, new sessions) grow turn by turn; at every turn
the tracker is read back from its JSON, as the tracker store hands it to Rasa, and the cache's states are
compared with Rasa's for the three kinds of call its policies make. Between turns come the calls that must not
disturb a conversation's walk: the memoization policy's cut trackers under the same sender, another
conversation, and an erased conversation that starts again under the same sender id.
"""
from __future__ import annotations

import json
import random
import sys
from pathlib import Path

from rasa.shared.core.constants import RULE_ONLY_LOOPS, RULE_ONLY_SLOTS
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (ActionExecuted, ActionReverted, ActiveLoop, DefinePrevUserUtteredFeaturization,
                                     Event, FollowupAction, Restarted, SessionStarted, SlotSet, UserUttered,
                                     UserUtteranceReverted)
from rasa.shared.core.slots import BooleanSlot, CategoricalSlot, FloatSlot
from rasa.shared.core.trackers import DialogueStateTracker

from rasa_addons.dialogue_states import DialogueStateCache

DOMAIN = Domain.load(str(Path(__file__).resolve().parents[2] / "domain.yml"))
RASA = Domain.states_for_tracker_history  # Rasa's own, never replaced in this probe
SLOTS = [slot for slot in DOMAIN.slots if slot.influence_conversation]
FORMS = list(DOMAIN.form_names)
RULE_ONLY = {RULE_ONLY_SLOTS: [slot.name for slot in SLOTS[::3]], RULE_ONLY_LOOPS: FORMS[:1]}
CALLS = [dict(), dict(omit_unset_slots=True),
         dict(ignore_rule_only_turns=True, rule_only_data=RULE_ONLY)]


def slot_value(rng: random.Random, slot):
    if rng.random() < 0.2:
        return None
    if isinstance(slot, CategoricalSlot):
        return rng.choice([value for value in slot.values if value != "__other__"] or [None])
    if isinstance(slot, BooleanSlot):
        return rng.choice([True, False])
    if isinstance(slot, FloatSlot):
        return rng.uniform(slot.min_value, slot.max_value)
    return rng.choice(["a", "b"])


def turn(rng: random.Random, clock: list) -> list:
    """One customer turn and the bot's answer, with the occasional unusual event."""
    def at(event: Event) -> Event:
        clock[0] += 1.0
        event.timestamp = clock[0]
        return event

    intent = rng.choice(DOMAIN.intents)
    entities = [{"entity": entity, "value": "x", "start": 0, "end": 1}
                for entity in rng.sample(DOMAIN.entities, k=min(len(DOMAIN.entities), rng.choice([0, 0, 1, 2])))]
    events = [at(UserUttered("text", {"name": intent, "confidence": 1.0}, entities))]
    for _ in range(rng.randint(1, 3)):
        kind = rng.random()
        if kind < 0.35:
            slot = rng.choice(SLOTS)
            events.append(at(SlotSet(slot.name, slot_value(rng, slot))))
        elif kind < 0.45 and FORMS:
            events.append(at(ActiveLoop(rng.choice(FORMS + [None]))))
        elif kind < 0.5:
            events.append(at(FollowupAction(rng.choice(DOMAIN.action_names_or_texts))))
        elif kind < 0.55:
            events.append(at(DefinePrevUserUtteredFeaturization(rng.random() < 0.5)))
        events.append(at(ActionExecuted(rng.choice(DOMAIN.action_names_or_texts), hide_rule_turn=rng.random() < 0.3)))
    rare = rng.random()
    if rare < 0.05:
        events.append(at(UserUtteranceReverted()))
    elif rare < 0.08:
        events.append(at(ActionReverted()))
    elif rare < 0.10:
        events.append(at(Restarted()))
    elif rare < 0.12:
        events += [at(SessionStarted()), at(ActionExecuted("action_session_start"))]
    events.append(at(ActionExecuted("action_listen")))
    return events


def read_back(sender: str, events: list) -> DialogueStateTracker:
    """The tracker as the tracker store gives it: new event objects from the stored JSON."""
    stored = json.loads(json.dumps([event.as_dict() for event in events]))
    return DialogueStateTracker.from_dict(sender, stored, DOMAIN.slots)


def main() -> None:
    conversations = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    cache = DialogueStateCache(capacity=64)
    compared = mismatches = turns = 0
    clock = [1_000_000.0]
    for seed in range(conversations):
        rng = random.Random(seed)
        sender = f"conversation-{seed % 7}"  # senders come back: erased and restarted conversations
        events: list = [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")]
        for _ in range(rng.randint(3, 14)):
            turns += 1
            events += turn(rng, clock)
            tracker = read_back(sender, events)
            # Every kind of call twice on the same tracker, as the RulePolicy asks: the second finds the state after
            # the last event already made (and the first caller's changes to its copy must not have reached it).
            for call in CALLS + CALLS:
                ours = cache.states(DOMAIN, tracker, **call)
                compared += 1
                if ours != RASA(DOMAIN, tracker, **call):
                    mismatches += 1
                for state in ours:  # what a caller does to its copy does not reach the cache
                    state.pop("prev_action", None)
                    for sub_state in state.values():
                        sub_state.clear()
            cut = read_back(sender, events[rng.randint(1, len(events) - 1):])
            call = rng.choice(CALLS)
            compared += 1
            mismatches += cache.states(DOMAIN, cut, **call) != RASA(DOMAIN, cut, **call)
    print(json.dumps({"compared": compared, "mismatches": mismatches, "continued": cache.continued,
                      "finals_reused": cache.finals_reused, "turns": turns, "frozen_again": cache.frozen_again,
                      "rule_only_changed": rule_only_changed(),
                      "walked": cache.walked, "plain": plain_conversation(), "capacity": capacity(),
                      "other_domain": other_domain(), "installed": installed()}))


def plain_turns(count: int, clock: list) -> list:
    events: list = [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")]
    for number in range(count):
        clock[0] += 3
        events += [UserUttered(f"message {number}", {"name": "greet", "confidence": 1.0}, timestamp=clock[0]),
                   ActionExecuted("utter_greet", timestamp=clock[0] + 1),
                   ActionExecuted("action_listen", timestamp=clock[0] + 2)]
    return events


def plain_conversation() -> dict:
    """Ten turns, each asked the three kinds of call, with the cut trackers of the memoization policy between."""
    cache = DialogueStateCache(capacity=3)
    events = plain_turns(10, [0.0])
    for end in range(6, len(events) + 1, 3):
        tracker = read_back("plain", events[:end])
        for call in CALLS:
            cache.states(DOMAIN, tracker, **call)
        cache.states(DOMAIN, read_back("plain", events[end - 4:end]))  # shorter: walked, and forgotten
    return {"continued": cache.continued, "walked": cache.walked, "kept": len(cache)}


def capacity() -> dict:
    """A cache of two walks keeps the two conversations used last."""
    cache = DialogueStateCache(capacity=2)
    conversations = {name: plain_turns(4, [index * 100.0]) for index, name in enumerate("abc")}
    walked = []
    for order in ["a", "b", "a", "c", "a", "b"]:  # c pushes out b (used last before a), then b comes back
        before = cache.walked
        cache.states(DOMAIN, read_back(order, conversations[order]))
        walked.append(cache.walked - before)
    try:
        DialogueStateCache(capacity=0)
        refused = ""
    except ValueError as error:
        refused = str(error)
    return {"walked": walked, "kept": len(cache), "refused": refused, "one": DialogueStateCache(capacity=1).capacity}


def rule_only_changed() -> dict:
    """The same rule-only data object changed in place between two calls: its new contents make a new walk."""
    cache = DialogueStateCache(capacity=8)
    tracker = read_back("rule-only", plain_turns(4, [0.0]))
    data = {RULE_ONLY_SLOTS: [], RULE_ONLY_LOOPS: []}
    same = []
    for change in (None, SLOTS[0].name, SLOTS[1].name, None):
        if change:
            data[RULE_ONLY_SLOTS].append(change)
        call = dict(ignore_rule_only_turns=True, rule_only_data=data)
        same.append(cache.states(DOMAIN, tracker, **call) == RASA(DOMAIN, tracker, **call))
    return {"same": same, "frozen_again": cache.frozen_again, "walked": cache.walked}


def installed() -> dict:
    """After install, a tracker's past_states come from the cache; installing twice changes nothing."""
    from rasa_addons import dialogue_states

    tracker = read_back("installed", plain_turns(3, [0.0]))
    expected = tracker.past_states(DOMAIN)
    answers = [dialogue_states.install(5), dialogue_states.install(5)]
    cache = Domain.states_for_tracker_history.cache
    same = [tracker.past_states(DOMAIN) == expected for _ in range(2)]
    return {"answers": answers, "same": same, "continued": cache.continued, "capacity": cache.capacity}


def other_domain() -> dict:
    """A model loaded again has a new domain: its calls walk from the first event."""
    cache = DialogueStateCache(capacity=2)
    tracker = read_back("reloaded", plain_turns(3, [0.0]))
    cache.states(DOMAIN, tracker)
    reloaded = Domain.load(str(Path(__file__).resolve().parents[2] / "domain.yml"))
    same = cache.states(reloaded, tracker) == RASA(reloaded, tracker)
    return {"walked": cache.walked, "continued": cache.continued, "same": same}


if __name__ == "__main__":
    main()
