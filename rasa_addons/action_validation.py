"""Check each action server response against Rasa's schema without re-checking the schema itself.

Rasa 3.6 calls ``jsonschema.validate(result, spec)`` for every custom action's response, and
``validate`` first checks ``spec`` against the JSON Schema metaschema: under 50 concurrent customers that
metaschema walk was a fifth of Rasa's busy time, on the event loop (docs/benchmarks.md, "Load"). Heard runs
``action_assess_message`` on every customer message, so it pays this on every turn. ``install()`` builds
the validator once; responses are judged exactly as before (same best-matching error, same message).

Each event of a response is checked against Rasa's event schema, whose ``oneOf`` holds 23 kinds of event, each
told apart by its ``"event": {"const": …}``: every event was validated 23 times, 3.8 % of the time the embedded
Rasa held the GIL under the load bench (docs/benchmarks.md, session 8). An event whose ``event`` is a string
naming one kind can only match that kind's branch (every other branch's ``const`` fails), so the ``oneOf`` holds
exactly when that branch does: such events are checked against the schema's own properties and that one branch.
A response is accepted this way only when every part of it is; anything else — a missing or unknown ``event``,
a type the shortcut does not read — goes through the full schema, so a response is never accepted that Rasa
would refuse and every refusal carries Rasa's error (tests/rasa/test_action_validation.py).
"""
from __future__ import annotations

import functools
from typing import Any, Dict, Text

from jsonschema import ValidationError
from jsonschema.exceptions import best_match
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL

_INSTALLED_MARK = "_heard_cached_validator"


@functools.lru_cache(maxsize=1)
def response_validator():
    spec = RemoteAction.action_response_format_spec()
    validator_class = validator_for(spec)
    validator_class.check_schema(spec)  # once, not once per response
    return validator_class(spec)


@functools.lru_cache(maxsize=1)
def event_validators() -> Dict[Text, Any]:
    """For each kind of event (its ``const``), a validator of the event schema with only that kind's branch."""
    spec = RemoteAction.action_response_format_spec()
    event_schema = spec["properties"]["events"]["items"]
    validator_class = validator_for(spec)
    validators = {}
    for branch in event_schema["oneOf"]:
        name = branch["properties"]["event"]["const"]
        if name in validators:  # two kinds with one name: the shortcut's argument fails, the full schema decides
            validators[name] = None
            continue
        single = {key: value for key, value in event_schema.items() if key != "oneOf"}
        single["allOf"] = [branch]
        validator_class.check_schema(single)
        validators[name] = validator_class(single)
    return validators


def surely_valid(result: Any) -> bool:
    """True only for a response the full schema accepts; False means "not shown here", not "invalid"."""
    if type(result) is not dict:
        return False
    responses = result.get("responses")
    if "responses" in result and not (type(responses) is list and all(type(r) is dict for r in responses)):
        return False
    if "events" not in result:
        return True
    events = result["events"]
    if type(events) is not list:
        return False
    validators = event_validators()
    for event in events:
        if type(event) is not dict:
            return False
        name = event.get("event")
        validator = validators.get(name) if type(name) is str else None
        if validator is None or not validator.is_valid(event):
            return False
    return True


def validate_action_result(self: RemoteAction, result: Dict[Text, Any]) -> bool:
    if surely_valid(result):
        return True
    error = best_match(response_validator().iter_errors(result))
    if error is None:
        return True
    # Rasa's own wording (rasa/core/actions/action.py, RemoteAction._validate_action_result).
    error.message += (
        f". Failed to validate Action server response from API, "
        f"make sure your response from the Action endpoint is valid. "
        f"For more information about the format visit "
        f"{DOCS_BASE_URL}/custom-actions"
    )
    raise error


setattr(validate_action_result, _INSTALLED_MARK, True)


def install() -> bool:
    """False when it was already installed."""
    if getattr(RemoteAction._validate_action_result, _INSTALLED_MARK, False):
        return False
    RemoteAction._validate_action_result = validate_action_result  # type: ignore[method-assign]
    response_validator(), event_validators()  # their schemas checked now, at start-up
    return True


__all__ = ["install", "validate_action_result", "response_validator", "surely_valid", "ValidationError"]
