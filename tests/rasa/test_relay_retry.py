"""A paused conversation's relay that failed because the action server was away is retried until it is back
(rasa_addons/relay_retry.py), in Rasa's runtime (tests/rasa/relay_retry_probe.py)."""
from __future__ import annotations

import json
import os
import subprocess

import pytest

from tests.conftest import ROOT, free_port

RASA_PY = ROOT / ".venv-rasa" / "bin" / "python"
PROBE = ROOT / "tests" / "rasa" / "relay_retry_probe.py"


def probe(*args: object) -> dict:
    result = subprocess.run([str(RASA_PY), str(PROBE), *map(str, args)], cwd=ROOT, capture_output=True, text=True,
                            timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def outage() -> dict:
    return probe("outage", free_port())


def test_every_call_still_fails_as_rasa_reports_it(outage):
    assert outage["installed"] == [True, False]
    assert outage["failures"] == ["RasaException"] * 5  # Rasa logs it and carries on, as before


def test_only_a_paused_conversations_relay_waits_for_the_action_server(outage):
    assert outage["waiting_while_down"] == ["paused", "refused"]  # not the bot's own turn, not other actions


def test_once_back_the_relay_goes_through_once_with_every_message_written_meanwhile(outage):
    relayed = [call for call in outage["received"] if call["sender"] == "paused"]
    assert relayed == [{"sender": "paused", "action": "action_assess_message",
                        "texts": ["first while down", "second while down"]}]  # one loop, the latest tracker
    assert outage["waiting_after"] == []


def test_an_action_the_server_refuses_is_not_retried(outage):
    assert [call["sender"] for call in outage["received"]].count("refused") == 1


def test_the_back_off_doubles_from_1_s_to_30_s_and_gives_up_after_an_hour():
    schedule = probe("schedule")
    delays = schedule["delays"]
    assert delays[:7] == [1, 2, 4, 8, 16, 30, 30]
    assert set(delays[6:]) == {30}
    assert sum(delays) <= schedule["give_up"] == 3600 < sum(delays) + 30
