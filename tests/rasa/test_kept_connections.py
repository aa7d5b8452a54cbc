"""rasa_addons/kept_connections.py: Rasa's calls to the action server reuse connections, idle ones close in time."""
from __future__ import annotations

import pytest

from tests.conftest import run_rasa_probe


def _probe(mode: str) -> dict:
    return run_rasa_probe("kept_connections_probe.py", mode, timeout=120)


@pytest.fixture(scope="module")
def patched() -> dict:
    return _probe("patched")


@pytest.fixture(scope="module")
def unpatched() -> dict:
    return _probe("unpatched")


def test_rasa_alone_opens_a_connection_per_call(unpatched):
    assert len(set(unpatched["five_calls"])) == 5


def test_calls_share_one_kept_connection(patched):
    assert patched["installed"] == [True, False]
    assert len(patched["five_calls"]) == 5 and len(set(patched["five_calls"])) == 1


def test_a_connection_idle_less_than_the_keepalive_is_reused_and_a_longer_idle_one_is_not(patched):
    # KEEPALIVE_SECONDS (2 s) stays below every server's idle timeout: never a request on a closing connection.
    assert patched["after_short_idle"] is True
    assert patched["after_long_idle"] is False


def test_rasa_request_semantics_are_unchanged(patched, unpatched):
    for probed in (patched, unpatched):
        assert probed["answer"] == {"events": [], "responses": []}
        assert probed["sent"] == {"port": probed["sent"]["port"], "token": "secret", "x": "a"}
        assert probed["other_headers"] == "b"  # another endpoint's headers get their own session
        assert probed["missing"] == "ClientResponseError 404"
