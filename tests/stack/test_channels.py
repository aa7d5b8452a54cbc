"""Messaging platforms in credentials.yml read their secrets from the environment and are only
switched on when those secrets are set."""
from __future__ import annotations

import pytest
import yaml

from stack.channels import active_credentials, write_active_credentials
from tests.conftest import ROOT

CREDENTIALS = yaml.safe_load((ROOT / "credentials.yml").read_text())


def test_every_platform_reads_its_secrets_from_the_environment():
    for platform in ("telegram", "slack", "facebook", "twilio"):
        values = [str(v) for v in CREDENTIALS[platform].values()]
        assert values and all(v.startswith("${") and v.endswith("}") for v in values), platform


def test_only_platforms_with_secrets_are_switched_on():
    assert set(active_credentials({})) == {"rest", "socketio"}
    assert set(active_credentials({"CALLBACK_URL": ""})) == {"rest", "socketio"}
    assert set(active_credentials({"CALLBACK_URL": "http://127.0.0.1:5034/bot"})) == {"rest", "socketio", "callback"}
    env = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"}
    assert set(active_credentials(env)) == {"rest", "socketio", "slack"}
    half = {"TWILIO_ACCOUNT_SID": "AC1"}  # a platform half configured stays off
    assert "twilio" not in active_credentials(half)


def test_written_file_keeps_placeholders_for_rasa_to_expand(tmp_path):
    path = write_active_credentials({"SLACK_BOT_TOKEN": "x", "SLACK_SIGNING_SECRET": "y"}, tmp_path / "c.yml")
    text = path.read_text()
    assert "${SLACK_BOT_TOKEN}" in text and "'${" not in text and "xoxb" not in text


@pytest.mark.parametrize(("env", "rest"), [
    ({}, True), ({"HEARD_PROFILE": "embedded"}, True), ({"HEARD_PROFILE": "production"}, False),
    ({"HEARD_PROFILE": "production", "HEARD_REST_CHANNEL": "true"}, True),
    ({"HEARD_PROFILE": "production", "HEARD_REST_CHANNEL": "false"}, False),
    ({"HEARD_REST_CHANNEL": "false"}, False),
    ({"HEARD_PROFILE": "production", "REST_CHANNEL_TOKEN": "a-token"}, True),  # a token turns it on
    ({"HEARD_PROFILE": "production", "REST_CHANNEL_TOKEN": "  "}, False),
    ({"HEARD_PROFILE": "production", "REST_CHANNEL_TOKEN": "a-token", "HEARD_REST_CHANNEL": "false"}, False),
])
def test_rest_is_off_in_production_unless_asked(env, rest):
    assert ("rest" in active_credentials(env)) is rest
    assert "socketio" in active_credentials(env)
