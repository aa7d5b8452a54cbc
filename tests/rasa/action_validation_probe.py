"""Run by tests/rasa/test_action_validation.py in Rasa's runtime: Rasa's validation against the cached one.

    .venv-rasa/bin/python tests/rasa/action_validation_probe.py -> JSON on stdout
"""
from __future__ import annotations

import json
from unittest import mock

import jsonschema
from rasa.core.actions.action import RemoteAction

from rasa_addons import action_validation

RESPONSES = {
    "valid": {"events": [{"event": "slot", "name": "emotion_tone", "value": "upset"}],
              "responses": [{"text": "I'm sorry to hear that."}]},
    "empty": {},
    "events_not_a_list": {"events": {"event": "slot"}},
    "event_without_name": {"events": [{"name": "x"}]},
    "responses_not_a_list": {"responses": "hello"},
}


def judge(action: RemoteAction, response: dict) -> str:
    try:
        return "ok" if action._validate_action_result(response) else "false"
    except jsonschema.ValidationError as error:
        return f"error: {error.message}"


def main() -> dict:
    action = object.__new__(RemoteAction)
    rasa_says = {name: judge(action, response) for name, response in RESPONSES.items()}
    installed = [action_validation.install(), action_validation.install()]
    with mock.patch.object(type(action_validation.response_validator()), "check_schema",
                           side_effect=AssertionError("schema checked again")) as check_schema:
        ours = {name: judge(action, response) for name, response in RESPONSES.items()}
    return {"rasa": rasa_says, "ours": ours, "installed": installed, "schema_checks": check_schema.call_count}


if __name__ == "__main__":
    print(json.dumps(main()))
