"""Three of Rasa 3.6's hot paths made cheaper, with the same results.

**Event classes.** Rasa 3.6's ``Event.resolve_by_type`` walks every subclass of ``Event`` (``all_subclasses``, a recursive list
built anew) for each event it turns from JSON into an object: reading a conversation from the tracker store
and every action server response. Under load that walk was 8 % of the time Rasa held the GIL (bench/load.py
with py-spy, docs/benchmarks.md). Each answer is remembered; a type name never seen before, or one whose
class was not found, still takes Rasa's own walk, so classes imported later are found as before.

**Slot copies.** Every tracker Rasa makes copies each of the domain's slots (``copy.copy``), and the policies
make a tracker for every earlier action of the conversation on every prediction: with Heard's 30-odd slots the
generic copy (``__reduce_ex__``, ``copyreg``) was 6 % of the GIL's time. ``Slot.__copy__`` makes the same
shallow copy directly: a new object of the same class sharing the attribute values.

**Applied events.** ``DialogueStateTracker.applied_events`` (the events not undone by a rewind, a restart or a
form's repeated run) is asked for many times a prediction — by the dialogue states, each memoization cut, the
session check, every action call's tracker — and tests each event against up to six event classes, which are
abstract base classes: ``isinstance`` through ``ABCMeta`` was 2.4 % of the time Rasa held the GIL and the whole
method 3.6 % (docs/benchmarks.md, session 8). Here each class's answers are found once, by the same
``isinstance`` tests in Rasa's order, and the walk is Rasa's, with Rasa's own helpers for the undoing.
"""
from __future__ import annotations

import logging
from typing import Dict, List, Optional, Text, Type

from rasa.shared.core.events import (ActionExecuted, ActionReverted, ActiveLoop, Event, Restarted, SessionStarted,
                                     UserUttered, UserUtteranceReverted)
from rasa.shared.core.slots import Slot
from rasa.shared.core.trackers import DialogueStateTracker

logger = logging.getLogger(__name__)

_INSTALLED_MARK = "_heard_hot_paths"


def _copy_slot(slot: Slot) -> Slot:
    copied = slot.__class__.__new__(slot.__class__)
    copied.__dict__.update(slot.__dict__)
    return copied


# What Rasa's applied_events does with an event of a class, in the order it tests them.
_RESET, _UNDO_ACTION, _UNDO_USER, _ACTION, _OTHER = range(5)
_KINDS: Dict[type, int] = {}
_LOOPS: Dict[type, bool] = {}


def _kind(cls: type) -> int:
    kind = _KINDS.get(cls)
    if kind is None:
        if issubclass(cls, (Restarted, SessionStarted)):
            kind = _RESET
        elif issubclass(cls, ActionReverted):
            kind = _UNDO_ACTION
        elif issubclass(cls, UserUtteranceReverted):
            kind = _UNDO_USER
        elif issubclass(cls, ActionExecuted):
            kind = _ACTION
        else:
            kind = _OTHER
        _KINDS[cls] = kind
    return kind


def _is_loop(cls: type) -> bool:
    found = _LOOPS.get(cls)
    if found is None:
        found = _LOOPS[cls] = issubclass(cls, ActiveLoop)
    return found


def applied_events(self: DialogueStateTracker) -> List[Event]:
    """Rasa 3.6's ``DialogueStateTracker.applied_events``, each event's class tested once per class."""
    loop_names = [event.name for event in self.events if _is_loop(type(event)) and event.name]
    applied: List[Event] = []
    for event in self.events:
        kind = _kind(type(event))
        if kind == _RESET:
            applied = []
        elif kind == _UNDO_ACTION:
            self._undo_till_previous(ActionExecuted, applied)
        elif kind == _UNDO_USER:
            self._undo_till_previous(UserUttered, applied)
            self._undo_till_previous(ActionExecuted, applied)
        elif (kind == _ACTION and event.action_name in loop_names
              and not self._first_loop_execution_or_unhappy_path(event.action_name, applied)):
            self._undo_till_previous_loop_execution(event.action_name, applied)
        else:
            applied.append(event)
    return applied


def install() -> bool:
    """Replaces ``Event.resolve_by_type`` and ``DialogueStateTracker.applied_events`` and gives ``Slot`` a direct
    ``__copy__``; False when already installed."""
    if getattr(Event.resolve_by_type, _INSTALLED_MARK, False):
        return False
    Slot.__copy__ = _copy_slot  # type: ignore[attr-defined]
    DialogueStateTracker.applied_events = applied_events  # type: ignore[method-assign]
    walk = Event.resolve_by_type
    known: Dict[Text, Type[Event]] = {}

    def resolve_by_type(type_name: Text, default: Optional[Type[Event]] = None) -> Optional[Type[Event]]:
        found = known.get(type_name)
        if found is not None:
            return found
        # Rasa's walk, with no default, so that a default is never remembered as the class of a name.
        try:
            found = walk(type_name)
        except ValueError:
            found = None
        if found is None:
            return walk(type_name, default)  # Rasa's own answer: the default, None for "topic", or its error
        known[type_name] = found
        return found

    setattr(resolve_by_type, _INSTALLED_MARK, True)
    Event.resolve_by_type = staticmethod(resolve_by_type)  # type: ignore[method-assign,assignment]
    logger.info("event classes are looked up once per type name; slots are copied directly; applied events found "
                "with each class tested once")
    return True
