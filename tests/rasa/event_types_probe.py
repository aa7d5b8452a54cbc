"""Runs in Rasa's runtime: rasa_addons/event_types.py answers as Rasa does, walking the subclasses once per name.

    .venv-rasa/bin/python tests/rasa/event_types_probe.py
"""
from __future__ import annotations

import json

import rasa.shared.utils.common as common
from rasa.shared.core.events import ActionExecuted, Event, UserUttered

from rasa_addons import event_types


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


def main() -> None:
    rasa_answers = answers()
    installed = [event_types.install(), event_types.install()]
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
    print(json.dumps({"rasa": rasa_answers, "ours": ours, "installed": installed, "walks_first": walks_first,
                      "walks_for_100_events": len(walks) - walks_first,
                      "read_back": sorted({type(event).__name__ for event in events})}))


if __name__ == "__main__":
    main()
