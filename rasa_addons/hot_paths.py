"""Two of Rasa 3.6's hot paths made cheaper, with the same results.

**Event classes.** Rasa 3.6's ``Event.resolve_by_type`` walks every subclass of ``Event`` (``all_subclasses``, a recursive list
built anew) for each event it turns from JSON into an object: reading a conversation from the tracker store
and every action server response. Under load that walk was 8 % of the time Rasa held the GIL (bench/load.py
with py-spy, docs/benchmarks.md). Each answer is remembered; a type name never seen before, or one whose
class was not found, still takes Rasa's own walk, so classes imported later are found as before.

**Slot copies.** Every tracker Rasa makes copies each of the domain's slots (``copy.copy``), and the policies
make a tracker for every earlier action of the conversation on every prediction: with Heard's 30-odd slots the
generic copy (``__reduce_ex__``, ``copyreg``) was 6 % of the GIL's time. ``Slot.__copy__`` makes the same
shallow copy directly: a new object of the same class sharing the attribute values.
"""
from __future__ import annotations

import logging
from typing import Dict, Optional, Text, Type

from rasa.shared.core.events import Event
from rasa.shared.core.slots import Slot

logger = logging.getLogger(__name__)

_INSTALLED_MARK = "_heard_hot_paths"


def _copy_slot(slot: Slot) -> Slot:
    copied = slot.__class__.__new__(slot.__class__)
    copied.__dict__.update(slot.__dict__)
    return copied


def install() -> bool:
    """Replaces ``Event.resolve_by_type`` and gives ``Slot`` a direct ``__copy__``; False when already installed."""
    if getattr(Event.resolve_by_type, _INSTALLED_MARK, False):
        return False
    Slot.__copy__ = _copy_slot  # type: ignore[attr-defined]
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
    logger.info("event classes are looked up once per type name; slots are copied directly")
    return True
