"""Run by tests/rasa/test_action_validation.py in Rasa's runtime: Rasa's validation against the cached one.

    .venv-rasa/bin/python tests/rasa/action_validation_probe.py -> JSON on stdout
"""
from __future__ import annotations

import copy
import json
import random
from unittest import mock

import jsonschema
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import BotUttered, UserUttered

from rasa_addons import action_validation
from tests.rasa.dialogue_states_probe import turn

RESPONSES = {
    "valid": {"events": [{"event": "slot", "name": "emotion_tone", "value": "upset"}],
              "responses": [{"text": "I'm sorry to hear that."}]},
    "empty": {},
    "events_not_a_list": {"events": {"event": "slot"}},
    "event_without_name": {"events": [{"name": "x"}]},
    "responses_not_a_list": {"responses": "hello"},
}


def event_dicts(rng: random.Random) -> list:
    """Events of every kind the dialogue-state probe's conversations make, and a bot message, as JSON."""
    clock = [1_000.0]
    events = [event.as_dict() for _ in range(60) for event in turn(rng, clock)]
    return events + [BotUttered("hi", {"buttons": [{"title": "Yes", "payload": "/affirm"}]}).as_dict(),
                     UserUttered("hi", {"name": "greet", "confidence": 0.9}, [{"entity": "product", "value": "car",
                                                                               "start": 0, "end": 2}]).as_dict()]


BREAKS = [  # what a broken action server could send instead of an event's field
    lambda e: e.pop("event"), lambda e: e.update(event="nope"), lambda e: e.update(event=5),
    lambda e: e.update(event=None), lambda e: e.update(timestamp="soon"), lambda e: e.update(metadata=[1]),
    lambda e: e.update(name=3), lambda e: e.pop("value", None), lambda e: e.update(entities="x"),
    lambda e: e.update(parse_data={"intent": {"confidence": "high"}}), lambda e: e.update(hide_rule_turn="no"),
    lambda e: e.update(confidence="x"), lambda e: e.update(text=7),
]


def random_responses(count: int) -> list:
    rng = random.Random(17)
    pool = event_dicts(rng)
    responses = []
    for number in range(count):
        events = [copy.deepcopy(rng.choice(pool)) for _ in range(rng.randint(0, 6))]
        response: dict = {"events": events}
        if number % 3 == 1 and events:
            rng.choice(BREAKS)(rng.choice(events))
        if number % 7 == 2:
            response["responses"] = rng.choice([[{"text": "hi"}], "hi", ["hi"], [], [{"text": 3}]])
        if number % 11 == 3:
            response["events"] = rng.choice([{"event": "slot"}, None, [[1]], "x"])
        responses.append(response)
    return responses


def judge(action: RemoteAction, response: dict) -> str:
    try:
        return "ok" if action._validate_action_result(response) else "false"
    except jsonschema.ValidationError as error:
        return f"error: {error.message}"


def main() -> dict:
    action = object.__new__(RemoteAction)
    rasa_says = {name: judge(action, response) for name, response in RESPONSES.items()}
    responses = random_responses(600)
    rasa_random = [judge(action, response) for response in responses]
    installed = [action_validation.install(), action_validation.install()]
    with mock.patch.object(type(action_validation.response_validator()), "check_schema",
                           side_effect=AssertionError("schema checked again")) as check_schema:
        ours = {name: judge(action, response) for name, response in RESPONSES.items()}
        ours_random = [judge(action, response) for response in responses]
    return {"rasa": rasa_says, "ours": ours, "installed": installed, "schema_checks": check_schema.call_count,
            "random": {"compared": len(responses), "differ": sum(a != b for a, b in zip(rasa_random, ours_random)),
                       "refused": sum(verdict.startswith("error") for verdict in rasa_random),
                       "shortcut": sum(map(action_validation.surely_valid, responses)),
                       "kinds": sorted({event.get("event") for r in responses if isinstance(r.get("events"), list)
                                        for event in r["events"] if isinstance(event, dict)
                                        and isinstance(event.get("event"), str)})},
            "branches": len(action_validation.event_validators())}


if __name__ == "__main__":
    print(json.dumps(main()))
