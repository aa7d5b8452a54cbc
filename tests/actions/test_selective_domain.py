"""Rasa sends its domain only to actions marked send_domain; the action server runs the others without it."""
from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import yaml
from rasa_sdk import Action
from rasa_sdk.executor import ActionExecutor
from rasa_sdk.forms import FormValidationAction, ValidationAction

from actions.server import SelectiveDomainExecutor

ROOT = Path(__file__).resolve().parents[2]
TRACKER = json.loads((Path(__file__).with_name("data") / "tracker.json").read_text(encoding="utf-8"))


class _RecordsDomain(Action):
    seen: list[dict[str, Any]] = []

    def name(self) -> str:
        return "action_records_domain"

    def run(self, dispatcher, tracker, domain):
        self.seen.append(domain)
        return []


def _run(payload: dict[str, Any]) -> dict[str, Any]:
    executor = SelectiveDomainExecutor()
    executor.register_action(_RecordsDomain)
    _RecordsDomain.seen.clear()
    return asyncio.run(executor.run({"next_action": "action_records_domain", "tracker": TRACKER, **payload}))


def test_an_action_called_without_the_domain_runs_with_an_empty_one():
    assert _run({}) is not None
    assert _RecordsDomain.seen == [{}]


def test_an_action_called_with_the_domain_gets_it():
    _run({"domain": {"slots": {"policy_number": {}}}})
    assert _RecordsDomain.seen == [{"slots": {"policy_number": {}}}]


def test_rasa_sdk_alone_refuses_a_call_without_domain():
    # Why the subclass exists: rasa-sdk 3.21 wants Rasa 3.7's domain digest and answers 449, which Rasa 3.6
    # reads as a failed action.
    executor = ActionExecutor()
    executor.register_action(_RecordsDomain)
    from rasa_sdk.interfaces import ActionMissingDomainException
    try:
        asyncio.run(executor.run({"next_action": "action_records_domain", "tracker": TRACKER}))
    except ActionMissingDomainException:
        return
    raise AssertionError("rasa-sdk ran an action without domain: the subclass may no longer be needed")


def _domain_actions() -> dict[str, dict[str, Any]]:
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    return {entry if isinstance(entry, str) else next(iter(entry)):
            {} if isinstance(entry, str) else next(iter(entry.values())) for entry in domain["actions"]}


def _validators() -> set[str]:
    executor = ActionExecutor()
    executor.register_package("actions")
    return {name for name, action in executor.actions.items()
            if isinstance(getattr(action, "__self__", None), (FormValidationAction, ValidationAction))}


def test_every_action_that_reads_the_domain_is_sent_it():
    actions = _domain_actions()
    validators = _validators()
    assert validators == {"validate_claim_form", "validate_tnps_form", "validate_callback_form", "validate_verify_form"}
    assert {name for name, options in actions.items() if options.get("send_domain")} == validators


def test_both_profiles_send_the_domain_selectively():
    for name in ("endpoints.yml", "endpoints.production.yml"):
        endpoints = yaml.safe_load((ROOT / name).read_text(encoding="utf-8"))
        assert endpoints["action_endpoint"]["enable_selective_domain"] is True, name
