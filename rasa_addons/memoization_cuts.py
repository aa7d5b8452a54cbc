"""The memoization policy's cut conversations made without replaying their events, their states continued.

When the AugmentedMemoizationPolicy does not remember a conversation's last ``max_history`` turns as they are,
Rasa 3.6 forgets the oldest of them one action at a time (``_recall_using_truncation``) and asks again: each
cut is a new tracker on which every event of the window is replayed, and whose states are then built from its
first event (another replay). Under the load bench this was about 18 % of the time Rasa held the GIL
(docs/benchmarks.md, "Many customers at once"), more than any other single part of the policies.

The states of a cut depend only on its events: a tracker cut at an action starts from the slots' initial
values. So a cut is made here as a tracker that holds its events without applying them (nothing reads a cut's
own slots or latest message: its states come from a replay of its events), and it names its walk
(``dialogue_states.WALK_KEY``) by the conversation and the action it starts at. The dialogue-state cache then
continues that walk at the conversation's next prediction, when the same cut has a few more events, instead of
walking it again. Cuts are found as Rasa finds them (``applied_events`` of each cut, so a form's repeated runs
are undone the same way), and the states asked of memory are Rasa's, in Rasa's order
(tests/rasa/test_memoization_cuts.py compares both on many conversations). What is left out is Rasa's debug log
of each cut's states, which deep-copied them even when debug logging was off.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.core.constants import POLICY_MAX_HISTORY
from rasa.core.policies.memoization import AugmentedMemoizationPolicy
from rasa.shared.constants import DEFAULT_SENDER_ID
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain, State
from rasa.shared.core.events import ActionExecuted, Event
from rasa.shared.core.trackers import DialogueStateTracker

from rasa_addons.dialogue_states import WALK_KEY

_INSTALLED_MARK = "_heard_memoization_cuts"


def window_length(applied: List[Event], max_history: Optional[int]) -> Optional[int]:
    """Rasa's ``_get_max_applied_events_for_max_history`` on events already applied (it applies them again)."""
    if not max_history:
        return None
    events = actions = 0
    for event in reversed(applied):
        events += 1
        if isinstance(event, ActionExecuted):
            actions += 1
            if actions > max_history and event.action_name == ACTION_LISTEN_NAME:
                return events
    return None


def held(template: DialogueStateTracker, events: List[Event]) -> DialogueStateTracker:
    """A tracker like Rasa's ``init_copy`` followed by ``update`` of each event, without applying any of them.

    Its slots are the template's own objects, not copies reset to their initial values: a cut's slots are only
    ever copied and reset again (to walk its states), so their values never matter, and copying Heard's 30-odd
    slots for every cut of every prediction was ~5 % of the time Rasa held the GIL (docs/benchmarks.md,
    "Session 7"). Nothing updates a cut: its states come from a replay on a tracker of their own."""
    tracker = DialogueStateTracker(template.sender_id or DEFAULT_SENDER_ID, None, template._max_event_history,
                                   is_rule_tracker=template.is_rule_tracker)
    tracker.slots = template.slots
    tracker.events.extend(events)
    first = events[0] if events else None
    origin = getattr(template, WALK_KEY, None) or (template.sender_id,)
    setattr(tracker, WALK_KEY, (origin[0], "cut", type(first).__name__, getattr(first, "timestamp", None),
                                getattr(first, "action_name", None)))
    return tracker


def next_cut(tracker: DialogueStateTracker, again: bool) -> Optional[DialogueStateTracker]:
    """Rasa's ``_strip_leading_events_until_action_executed``: the tracker from its first action (second if
    ``again``), or None when it has no such action."""
    applied = tracker.applied_events()
    found = 0
    for index, event in enumerate(applied):
        if isinstance(event, ActionExecuted):
            found += 1
            if found == (2 if again else 1):
                return held(tracker, applied[index:])
    return None


def cut_states(policy: AugmentedMemoizationPolicy, tracker: DialogueStateTracker, domain: Domain,
               rule_only_data: Optional[Dict[Text, Any]]) -> Any:
    """The states of each cut, from the longest, as Rasa's truncation makes them (a generator)."""
    applied = tracker.applied_events()
    length = window_length(applied, policy.config[POLICY_MAX_HISTORY])
    window = held(tracker, applied[-length:]) if length else tracker
    cut = next_cut(window, again=False)
    while cut is not None:
        yield policy._prediction_states(cut, domain, rule_only_data=rule_only_data)
        cut = next_cut(cut, again=True)


def recall_using_truncation(policy: AugmentedMemoizationPolicy, old_states: List[State],
                            tracker: DialogueStateTracker, domain: Domain,
                            rule_only_data: Optional[Dict[Text, Any]]) -> Optional[Text]:
    """What ``AugmentedMemoizationPolicy._recall_using_truncation`` returns."""
    for states in cut_states(policy, tracker, domain, rule_only_data):
        if old_states != states:
            memorised = policy._recall_states(states)
            if memorised is not None:
                return memorised
            old_states = states
    return None


def install() -> bool:
    """Makes every AugmentedMemoizationPolicy cut conversations this way; False when already done."""
    if getattr(AugmentedMemoizationPolicy._recall_using_truncation, _INSTALLED_MARK, False):
        return False

    def _recall_using_truncation(self: AugmentedMemoizationPolicy, old_states: List[State],
                                 tracker: DialogueStateTracker, domain: Domain,
                                 rule_only_data: Optional[Dict[Text, Any]]) -> Optional[Text]:
        return recall_using_truncation(self, old_states, tracker, domain, rule_only_data)

    setattr(_recall_using_truncation, _INSTALLED_MARK, True)
    AugmentedMemoizationPolicy._recall_using_truncation = _recall_using_truncation  # type: ignore[method-assign]
    return True
