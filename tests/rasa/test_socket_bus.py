"""rasa_addons/socket_bus.py: a website reply made by the Rasa replica without the customer's socket reaches it."""
from __future__ import annotations

import json

import pytest

from rasa_addons.settings import RasaAddonSettings, SettingsError
from tests.conftest import run_rasa_probe


@pytest.fixture(scope="module")
def probed() -> dict:
    return run_rasa_probe("socket_bus_probe.py", timeout=120)


def test_a_reply_emitted_on_the_other_replica_reaches_the_socket(probed):
    assert probed["manager"] == "JsonSocketBus"
    assert probed["across"] is True


def test_a_room_with_a_local_socket_is_served_without_redis(probed):
    assert probed["local"] is True
    assert probed["without_redis"] is True
    sent = [json.loads(p) for p in probed["published"] if p.startswith("{")]
    texts = [m["data"]["text"] for m in sent]
    assert texts == ["from the other replica", "after the bad messages"]  # the local reply was never published


def test_messages_are_json_and_whatever_else_arrives_is_dropped_unread(probed):
    assert probed["unpickled"] == []
    assert "pickled" not in probed["received"]
    assert probed["alive"] is True  # the listener outlived a pickle, a non-JSON and a non-object message
    assert probed["received"] == ["from the other replica", "from its own replica", "after the bad messages"]


def test_listening_without_redis_backs_off_instead_of_spinning(probed):
    assert probed["delays"] == [0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 10.0, 10.0]
    # ~1.6 s without Redis: 0.1 + 0.2 + 0.4 + 0.8 s of waits, so 4 or 5 failures (a busy loop makes hundreds)
    assert 3 <= probed["listen_failures"] <= 6


def test_publishing_without_redis_tries_twice_then_gives_up_without_failing_the_turn(probed):
    assert [failure.split(":")[1].strip() for failure in probed["publish_failures"]] == [
        "publish failed (attempt 1 of 2)", "publish failed (attempt 2 of 2)"]
    assert len(probed["not_json"]) == 1 and "not published, not JSON" in probed["not_json"][0]


def test_without_a_url_sockets_stay_within_the_process(probed):
    assert probed["no_url_manager"] is True
    settings = RasaAddonSettings.from_env({})
    assert (settings.CHAT_SOCKET_BUS_URL, settings.CHAT_SOCKET_BUS_CHANNEL) == ("", "heard:chat-sockets")


@pytest.mark.parametrize("url", ["redis://redis:6379/2", "rediss://user:pw@cache:6380/0"])
def test_a_redis_url_is_accepted(url):
    assert RasaAddonSettings.from_env({"CHAT_SOCKET_BUS_URL": url}).CHAT_SOCKET_BUS_URL == url


def test_another_scheme_is_refused_without_echoing_the_rest():
    with pytest.raises(SettingsError, match="CHAT_SOCKET_BUS_URL must be a redis://") as error:
        RasaAddonSettings.from_env({"CHAT_SOCKET_BUS_URL": "http://user:secret@cache:80"})
    assert "secret" not in str(error.value)
