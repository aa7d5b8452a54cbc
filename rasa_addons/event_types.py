"""Rasa finds an event's class by its type name once, not once per event read.

Rasa 3.6's ``Event.resolve_by_type`` walks every subclass of ``Event`` (``all_subclasses``, a recursive list
built anew) for each event it turns from JSON into an object: reading a conversation from the tracker store
and every action server response. Under load that walk was 8 % of the time Rasa held the GIL (bench/load.py
with py-spy, docs/benchmarks.md). ``install()`` remembers each answer; a type name never seen before, or
one whose class was not found, still takes Rasa's own walk, so classes imported later are found as before.
"""
from __future__ import annotations

import logging
from typing import Dict, Optional, Text, Type

from rasa.shared.core.events import Event

logger = logging.getLogger(__name__)

_INSTALLED_MARK = "_heard_known_event_types"


def install() -> bool:
    """Replaces ``Event.resolve_by_type`` with a remembering one; False when already installed."""
    if getattr(Event.resolve_by_type, _INSTALLED_MARK, False):
        return False
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
    logger.info("event classes are looked up once per type name")
    return True
