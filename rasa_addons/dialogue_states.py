"""A conversation's dialogue states worked out once, not again from its first event on every prediction.

Rasa 3.6's policies ask ``Domain.states_for_tracker_history`` for the states of the whole conversation: the
RulePolicy twice or three times per prediction, the memoization and escalation policies once more. Each call
replays every event of the conversation on a fresh tracker and builds a state at every action: the cost grows
with the conversation, and under the load bench it was about half of the policies' time (docs/benchmarks.md,
"Many customers at once").

The states at a conversation's earlier actions depend only on the events before them, so they cannot change
when events are added. This cache keeps, per conversation and per kind of call, the walk Rasa makes: the events
already replayed, the tracker they built, the states found and the two facts Rasa carries from turn to turn
(the last action the stories can see, whether the turn was hidden as rule-only). A later call whose events
start with exactly those events continues the walk from there; any other call (another conversation under the
same sender id, an erased and restarted one, a rewound turn, a tracker cut short by Rasa's memoization policy)
walks from the first event, as Rasa does; a tracker with fewer events than the conversation's last one does not
replace its walk. The cuts made by rasa_addons/memoization_cuts.py name their own walks (``WALK_KEY``), kept in
a cache of their own. Events match when they are of one class, made at the same moment and equal in what Rasa
compares. The result equals Rasa's (tests/rasa/test_dialogue_states.py compares the
two on many conversations); callers get copies, so changing them cannot change the cache.
"""
from __future__ import annotations

import copy
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Dict, Hashable, List, Optional, Text, Tuple

from rasa.shared.constants import DEFAULT_SENDER_ID
from rasa.shared.core.constants import PREVIOUS_ACTION
from rasa.shared.core.domain import Domain, State, SubState
from rasa.shared.core.events import ActionExecuted, BotUttered, Event, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

_INSTALLED_MARK = "_heard_dialogue_states"
# A tracker that is part of a conversation (the memoization policy's cuts, rasa_addons/memoization_cuts.py)
# names its own walk under this attribute; any other tracker's walk is its conversation's.
WALK_KEY = "_heard_walk_key"


@dataclass
class _Walk:
    """Rasa's walk through one conversation's applied events, stopped after ``len(events)`` of them."""

    domain: Domain
    prior: DialogueStateTracker
    events: List[Event] = field(default_factory=list)
    states: List[State] = field(default_factory=list)
    last_ml_action_sub_state: Optional[SubState] = None
    turn_was_hidden: bool = False
    # All the tracker's events, reverted and restarted ones too: the conversation's own tracker only grows.
    tracker_length: int = 0
    # The state after all of ``events`` and how many events it was made after: the RulePolicy asks two or three
    # times per prediction for the same tracker, and nothing it depends on changes until an event is added.
    final: Optional[State] = None
    final_after: int = -1


def _prior_tracker(tracker: DialogueStateTracker) -> DialogueStateTracker:
    """Rasa's ``init_copy`` keeping one event: states read the tracker's slots, loop and latest message and action,
    never its list of events (only a rewind replays that, and rewinds are not among the applied events)."""
    return DialogueStateTracker(tracker.sender_id or DEFAULT_SENDER_ID, tracker.slots.values(), max_event_history=1,
                                is_rule_tracker=tracker.is_rule_tracker)


def _same_event(kept: Event, new: Event) -> bool:
    if kept is new:
        return True
    if type(kept) is not type(new) or kept.timestamp != new.timestamp:
        return False
    # Rasa's own comparison of these three runs jsonpickle on every entity or on the metadata: the same
    # fields compared directly (values too, so no looser than Rasa's) cost a fraction.
    if isinstance(new, UserUttered):
        return (kept.text, kept.intent_name, kept.entities, kept.use_text_for_featurization) == (
            new.text, new.intent_name, new.entities, new.use_text_for_featurization)
    if isinstance(new, ActionExecuted):
        return (kept.action_name, kept.action_text, kept.hide_rule_turn, kept.metadata) == (
            new.action_name, new.action_text, new.hide_rule_turn, new.metadata)
    if isinstance(new, BotUttered):
        return (kept.text, kept.data) == (new.text, new.data)
    return kept == new


def _continues(walk: _Walk, applied: List[Event]) -> bool:
    if len(walk.events) > len(applied):
        return False
    # The same objects (every call after the first in a turn) are compared without a call each.
    return all(kept is new or _same_event(kept, new) for kept, new in zip(walk.events, applied))


def _state_at(
    domain: Domain,
    walk: _Walk,
    prior: DialogueStateTracker,
    hide_rule_turn: bool,
    omit_unset_slots: bool,
    ignore_rule_only_turns: bool,
    rule_only_data: Optional[Dict[Text, Any]],
) -> Tuple[Optional[State], Optional[SubState], bool]:
    """The body of Rasa's loop in ``Domain.states_for_tracker_history`` for one prior tracker.

    Returns the state to append (None for a hidden turn) and the two facts carried to the next turn.
    """
    last_ml_action_sub_state, turn_was_hidden = walk.last_ml_action_sub_state, walk.turn_was_hidden
    if ignore_rule_only_turns:
        if not turn_was_hidden:
            last_ml_action_sub_state = domain._get_prev_action_sub_state(prior)
        if not prior.followup_action and not prior.latest_action_name == prior.active_loop_name:
            turn_was_hidden = hide_rule_turn
        if turn_was_hidden:
            return None, last_ml_action_sub_state, turn_was_hidden

    state = domain.get_active_state(prior, omit_unset_slots=omit_unset_slots)
    if ignore_rule_only_turns:
        domain._remove_rule_only_features(state, rule_only_data)
        if walk.states:
            domain._substitute_rule_only_user_input(state, walk.states[-1])
        if last_ml_action_sub_state:
            state[PREVIOUS_ACTION] = last_ml_action_sub_state
    return domain._clean_state(state), last_ml_action_sub_state, turn_was_hidden


def _copy(state: State) -> State:
    return {kind: dict(sub_state) for kind, sub_state in state.items()}  # type: ignore[misc]


def _frozen(value: Any) -> Hashable:
    if isinstance(value, dict):
        return tuple(sorted((key, _frozen(item)) for key, item in value.items()))
    if isinstance(value, (list, tuple, set, frozenset)):
        return tuple(_frozen(item) for item in value)
    return value


class DialogueStateCache:
    """The walks of the most recent ``capacity`` (conversation, kind of call) pairs."""

    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.capacity = capacity
        self._walks: "OrderedDict[Hashable, _Walk]" = OrderedDict()
        self._lock = threading.Lock()
        # Calls that continued a kept walk, and calls that walked from the first event (bench/load.py reads them).
        self.continued = 0
        self.walked = 0
        self.finals_reused = 0  # calls that found the state after the last event already made
        self.frozen_again = 0  # calls whose rule-only data was not the object (and contents) of the call before
        # The policies pass the same rule-only data (one object per model) on every call: frozen once, and again
        # only if that object is not what it was (compared with a copy, as its contents could change).
        self._frozen_data: Tuple[Any, Any, Hashable] = (None, None, None)

    def __len__(self) -> int:
        return len(self._walks)

    def states(
        self,
        domain: Domain,
        tracker: DialogueStateTracker,
        omit_unset_slots: bool = False,
        ignore_rule_only_turns: bool = False,
        rule_only_data: Optional[Dict[Text, Any]] = None,
    ) -> List[State]:
        """What ``domain.states_for_tracker_history(tracker, …)`` returns, continuing an earlier walk if it can."""
        key = (getattr(tracker, WALK_KEY, None) or tracker.sender_id, tracker.is_rule_tracker, omit_unset_slots, ignore_rule_only_turns,
               self._frozen_rule_only_data(rule_only_data))
        applied = tracker.applied_events()
        with self._lock:
            kept = self._walks.get(key)
            if kept is not None and kept.domain is domain and _continues(kept, applied):
                walk, keep = kept, True
                # The tracker's own event objects from here on: the policies' next calls in this turn pass the
                # same tracker, and the same objects compare at once.
                walk.events[:] = applied[:len(walk.events)]
                self.continued += 1
            else:
                # A tracker with fewer events under the same key (the memoization policy's cut trackers) does not
                # push out the conversation's own walk; the conversation after a restart or a rewound turn does.
                walk = _Walk(domain=domain, prior=_prior_tracker(tracker))
                keep = kept is None or kept.domain is not domain or len(tracker.events) >= kept.tracker_length
                self.walked += 1
            for event in applied[len(walk.events):]:
                if isinstance(event, ActionExecuted):
                    self._append(domain, walk, walk.prior, event.hide_rule_turn, omit_unset_slots,
                                 ignore_rule_only_turns, rule_only_data)
                walk.prior.update(event)
                walk.events.append(event)
            # Rasa's last step reads the tracker after every event: kept until the next event changes it.
            if walk.final_after != len(walk.events):
                walk.final, _, _ = _state_at(domain, walk, walk.prior, False, omit_unset_slots,
                                             ignore_rule_only_turns, rule_only_data)
                walk.final_after = len(walk.events)
            else:
                self.finals_reused += 1
            states = [_copy(state) for state in walk.states]
            if walk.final is not None:
                states.append(_copy(walk.final))
            if keep:
                walk.tracker_length = len(tracker.events)
                self._walks.pop(key, None)
                self._walks[key] = walk
                while len(self._walks) > self.capacity:
                    self._walks.popitem(last=False)
        return states

    def _frozen_rule_only_data(self, rule_only_data: Optional[Dict[Text, Any]]) -> Hashable:
        if rule_only_data is None:
            return None
        data, copied, frozen = self._frozen_data
        if rule_only_data is data and rule_only_data == copied:
            return frozen
        frozen = _frozen(rule_only_data)
        self._frozen_data = (rule_only_data, copy.deepcopy(rule_only_data), frozen)
        self.frozen_again += 1
        return frozen

    @staticmethod
    def _append(domain: Domain, walk: _Walk, prior: DialogueStateTracker, hide_rule_turn: bool,
                omit_unset_slots: bool, ignore_rule_only_turns: bool,
                rule_only_data: Optional[Dict[Text, Any]]) -> None:
        state, walk.last_ml_action_sub_state, walk.turn_was_hidden = _state_at(
            domain, walk, prior, hide_rule_turn, omit_unset_slots, ignore_rule_only_turns, rule_only_data)
        if state is not None:
            walk.states.append(state)


def install(capacity: int) -> bool:
    """Makes ``Domain.states_for_tracker_history`` use a cache of ``capacity`` conversations' walks and one of twice
    as many cuts' walks (``WALK_KEY``); False when already done."""
    if getattr(Domain.states_for_tracker_history, _INSTALLED_MARK, False):
        return False
    cache = DialogueStateCache(capacity)
    # Cuts of a conversation come and go as it moves on: kept apart, they never push out a conversation's walk.
    cut_cache = DialogueStateCache(2 * capacity)

    def states_for_tracker_history(
        self: Domain,
        tracker: DialogueStateTracker,
        omit_unset_slots: bool = False,
        ignore_rule_only_turns: bool = False,
        rule_only_data: Optional[Dict[Text, Any]] = None,
    ) -> List[State]:
        chosen = cut_cache if getattr(tracker, WALK_KEY, None) else cache
        return chosen.states(self, tracker, omit_unset_slots, ignore_rule_only_turns, rule_only_data)

    setattr(states_for_tracker_history, _INSTALLED_MARK, True)
    states_for_tracker_history.cache = cache  # type: ignore[attr-defined]
    states_for_tracker_history.cut_cache = cut_cache  # type: ignore[attr-defined]
    Domain.states_for_tracker_history = states_for_tracker_history  # type: ignore[method-assign]
    return True
