"""Check each action server response against Rasa's schema without re-checking the schema itself.

Rasa 3.6 calls ``jsonschema.validate(result, spec)`` for every custom action's response, and
``validate`` first checks ``spec`` against the JSON Schema metaschema: under 50 concurrent customers that
metaschema walk was a fifth of Rasa's busy time, on the event loop (docs/benchmarks.md, "Load"). Heard runs
``action_assess_message`` on every customer message, so it pays this on every turn. ``install()`` builds
the validator once; responses are judged exactly as before (same best-matching error, same message).
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


def validate_action_result(self: RemoteAction, result: Dict[Text, Any]) -> bool:
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
    return True


__all__ = ["install", "validate_action_result", "response_validator", "ValidationError"]
