"""The production profile for real: nginx, two replicas each, PostgreSQL tracker store, Redis lock store.

One profile serves the module (starting six services takes minutes on two cores); the last test stops it
and checks that nothing is left. Databases get a unique prefix and are dropped afterwards.
"""
from __future__ import annotations

import os
import queue
import random
import secrets
import signal
import socket
import subprocess
import threading
import time
import uuid

import httpx
import psycopg
import pytest

from stack.processes import rasa_model_path
from stack.production import DATABASES, ProductionStack
from stack.production_settings import ProductionSettings
from stack.supervision import Supervisor
from tests.conftest import _outgoing_port_range, free_port

pytestmark = pytest.mark.e2e

ROUTINE = ["hi", "what does my home insurance cover?", "how do I pay my premium?", "are you a bot?",
           "what are your opening hours?", "is flood damage covered?", "thanks", "when is my renewal due?"]


def _free_block(size: int = 300) -> int:
    # Below the ports free_port hands out (and so below the kernel's outgoing range): a block drawn from 20000-40000
    # once met an outgoing connection or the other worker's server on actions-2's port ("Address already in use",
    # session 8's fresh-clone run).
    high = min(_outgoing_port_range()[0], 32768) - 12000 - size
    for _ in range(50):
        base = random.randrange(max(1024, high - 2000), high)
        if all(_bindable(base + offset + i) for offset in (0, 100, 200) for i in range(2)):
            return base
    raise RuntimeError("no free port block")


def _taken(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _bindable(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


@pytest.fixture(scope="module")
def production(tmp_path_factory):
    assert rasa_model_path().exists(), "no trained model: ./heard test trains it before the tests"
    settings = ProductionSettings.load(
        _env_file=None, RASA_TOKEN=secrets.token_urlsafe(32), HANDOFF_SERVICE_TOKEN=secrets.token_urlsafe(32),
        HANDOFF_SECRET_KEY=secrets.token_urlsafe(32), POSTGRES_PASSWORD=secrets.token_urlsafe(16),
        POSTGRES_USER="heard_e2e", POSTGRES_DB_PREFIX=f"heard_e2e_{uuid.uuid4().hex[:8]}",
        HEARD_PUBLIC_HOST="127.0.0.1", HEARD_PUBLIC_PORT=free_port(), HEARD_INTERNAL_PORT=free_port(),
        HEARD_REPLICA_PORT_BASE=_free_block(), HEARD_VAR_DIR=tmp_path_factory.mktemp("production-var"),
        REDIS_LOCK_DB=5, REDIS_BUS_DB=6, REST_CHANNEL_TOKEN=REST_TOKEN)
    stack = ProductionStack(settings, log=lambda line: None)
    try:
        with stack:
            yield stack
    finally:
        with psycopg.connect(settings.POSTGRES_ADMIN_URL, autocommit=True) as admin:
            for name in DATABASES:
                admin.execute(f'DROP DATABASE IF EXISTS "{settings.database(name)}" WITH (FORCE)')


# The REST channel is off in production unless clients must send this token (issue #19).
REST_TOKEN = secrets.token_urlsafe(32)


def _say(url: str, sender: str, text: str) -> list[dict]:
    response = httpx.post(f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=120,
                          headers={"Authorization": f"Bearer {REST_TOKEN}"})
    response.raise_for_status()
    return response.json()


def _rasa_url(stack: ProductionStack, replica: int) -> str:
    return f"http://127.0.0.1:{stack.production.replica_ports('rasa')[replica]}"


def _user_texts(stack: ProductionStack, replica: int, sender: str) -> list[str]:
    tracker = httpx.get(f"{_rasa_url(stack, replica)}/conversations/{sender}/tracker",
                        params={"token": stack.production.RASA_TOKEN}, timeout=60).json()
    return [event["text"] for event in tracker["events"] if event["event"] == "user"]


def test_one_conversation_alternating_between_the_rasa_replicas_keeps_every_turn_in_order(production):
    sender = f"rest:alt-{uuid.uuid4().hex[:8]}"
    for turn, text in enumerate(ROUTINE):
        assert _say(_rasa_url(production, turn % 2), sender, text), f"no reply to {text!r}"
    assert _user_texts(production, 0, sender) == ROUTINE
    assert _user_texts(production, 1, sender) == ROUTINE


def test_two_messages_at_once_on_both_replicas_are_both_kept(production):
    sender = f"rest:both-{uuid.uuid4().hex[:8]}"
    _say(_rasa_url(production, 0), sender, "hi")
    replies: dict[int, list] = {}
    threads = [threading.Thread(target=lambda i=i, text=text: replies.__setitem__(i, _say(_rasa_url(production, i), sender, text)))
               for i, text in enumerate(["how do I pay my premium?", "are you a bot?"])]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(180)
    assert replies[0] and replies[1]
    texts = _user_texts(production, 0, sender)
    assert texts[0] == "hi" and sorted(texts[1:]) == ["are you a bot?", "how do I pay my premium?"]


def test_a_reply_made_by_the_replica_without_the_website_socket_reaches_it(production):
    # The handoff service sends the agent's messages through nginx to the least busy Rasa replica
    # (output_channel=latest): the customer's socket may well be held by the other one.
    import socketio

    received: "queue.Queue[dict]" = queue.Queue()
    confirmed: "queue.Queue[str]" = queue.Queue()
    client = socketio.Client(reconnection=False)
    client.on("bot_uttered", received.put)
    client.on("session_confirm", confirmed.put)
    client.connect(_rasa_url(production, 0), socketio_path="/socket.io", transports=["websocket"])
    try:
        client.emit("session_request", {})
        sender = confirmed.get(timeout=30)
        client.emit("user_uttered", {"message": "hi"})
        received.get(timeout=120)  # the bot's greeting, from replica 0 itself
        try:
            while True:  # the rest of the greeting, until the socket has been quiet for 3 s
                received.get(timeout=3)
        except queue.Empty:
            pass
        executed = httpx.post(f"{_rasa_url(production, 1)}/conversations/{sender}/execute",
                              params={"token": production.production.RASA_TOKEN, "output_channel": "latest"},
                              json={"name": "utter_greet"}, timeout=120)
        assert executed.status_code == 200, executed.text
        assert received.get(timeout=30).get("text"), "the reply made by replica 1 never reached the socket on replica 0"
    finally:
        client.disconnect()


def test_nginx_is_the_only_public_entry(production):
    public = production.public_url
    assert _say(public, f"rest:pub-{uuid.uuid4().hex[:8]}", "hi")
    refused = httpx.post(f"{public}/webhooks/rest/webhook", json={"sender": "x", "message": "hi"}, timeout=60)
    assert refused.status_code == 401  # a REST client without the token is refused
    assert httpx.get(f"{public}/chat/", timeout=30).status_code == 200
    assert httpx.get(f"{public}/console", timeout=30, follow_redirects=True).status_code == 200
    # Rasa's HTTP API is internal: through nginx /status is the handoff service's 404, not Rasa's status.
    assert "model_id" not in httpx.get(f"{public}/status", params={"token": production.production.RASA_TOKEN}).text
    listening = subprocess.run(["ss", "-ltnH"], capture_output=True, text=True).stdout
    for name in ("rasa", "actions", "handoff"):
        for port in production.production.replica_ports(name):
            assert f"127.0.0.1:{port} " in listening and f"0.0.0.0:{port} " not in listening


@pytest.mark.parametrize("victim", ["rasa-1", "actions-1"])
def test_a_replica_killed_mid_conversation_the_conversation_continues_on_the_other(production, victim):
    sender = f"rest:kill-{uuid.uuid4().hex[:8]}"
    public = production.public_url
    for text in ROUTINE[:2]:
        assert _say(public, sender, text)
    supervisor = Supervisor(production, log=lambda line: None)
    os.killpg(production.service(victim).process.pid, signal.SIGKILL)
    production.service(victim).process.wait(10)
    for text in ROUTINE[2:5]:
        assert _say(public, sender, text), f"no reply to {text!r} after {victim} was killed"
    assert _user_texts(production, 1, sender) == ROUTINE[:5]
    supervisor.tick()
    assert supervisor.snapshot()["services"][victim]["status"] == "restarting"
    deadline = time.monotonic() + 240
    while supervisor.snapshot()["services"][victim]["status"] != "running":
        assert time.monotonic() < deadline, supervisor.snapshot()
        supervisor.tick()
        time.sleep(1)
    assert _say(public, sender, ROUTINE[5])


def test_stopping_leaves_no_process_and_no_port(production):
    pids = [service.process.pid for service in production.services if service.process]
    ports = [production.production.HEARD_PUBLIC_PORT, production.production.HEARD_INTERNAL_PORT] + [
        port for name in ("rasa", "actions", "handoff") for port in production.production.replica_ports(name)]
    assert len(pids) == 7
    assert production.stop() is True
    assert not [port for port in ports if _taken(port)]
    time.sleep(0.5)
    alive = [pid for pid in pids if os.path.exists(f"/proc/{pid}") and open(f"/proc/{pid}/stat").read().split()[2] != "Z"]
    assert alive == []
