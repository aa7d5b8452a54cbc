"""./heard up beyond loopback (HEARD_HOST not 127.0.0.1) refuses short or published secrets, naming each."""
from __future__ import annotations

import pytest

from stack.settings import StackSettings

REAL = "Zq3v-" + "k" * 32
WEAK = {"RASA_TOKEN": "short", "HANDOFF_SERVICE_TOKEN": "dev-handoff-service-token", "HANDOFF_SECRET_KEY": "k" * 31}


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_loopback_development_accepts_development_secrets(host):
    assert StackSettings.load(HEARD_HOST=host, **WEAK).env["HEARD_HOST"] == host


def test_beyond_loopback_each_weak_secret_is_named_and_not_echoed():
    with pytest.raises(SystemExit) as raised:
        StackSettings.load(HEARD_HOST="0.0.0.0", **WEAK)
    message = str(raised.value)
    assert message.startswith("HEARD_HOST=0.0.0.0 is reachable from other machines")
    assert all(name in message for name in WEAK) and "dev-handoff-service-token" not in message
    good = {"RASA_TOKEN": REAL + "1", "HANDOFF_SERVICE_TOKEN": REAL + "2", "HANDOFF_SECRET_KEY": REAL + "3"}
    assert StackSettings.load(HEARD_HOST="0.0.0.0", **good).env["HEARD_HOST"] == "0.0.0.0"
