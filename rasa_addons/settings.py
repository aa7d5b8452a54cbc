"""Settings for the Rasa-side components, read once from the environment (.env via python-dotenv).

Rasa 3.6 pins pydantic 1.10, and pydantic-settings needs pydantic 2, so this runtime uses a small
validated dataclass instead: every value is parsed and checked when the module is imported, and a bad
value stops Rasa with a message naming the variable. ``from rasa_addons import settings;
settings.NAME`` keeps working for every component.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from dotenv import load_dotenv

from rasa_addons.chat_sessions import session_key

ROOT = Path(__file__).resolve().parent.parent
load_dotenv(ROOT / ".env")


class SettingsError(ValueError):
    """A variable is set to a value this runtime cannot use; the message names it."""


def _number(env: Mapping[str, str], name: str, default: float, minimum: float, kind: type = float) -> float:
    raw = (env.get(name) or "").strip()
    if not raw:
        return kind(default)
    try:
        value = kind(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a {'whole ' if kind is int else ''}number, got {raw!r}") from None
    if value < minimum:
        raise SettingsError(f"{name} must be at least {minimum}, got {raw!r}")
    return value


def _redis_url(env: Mapping[str, str], name: str) -> str:
    raw = (env.get(name) or "").strip()
    if raw and not raw.startswith(("redis://", "rediss://")):
        raise SettingsError(f"{name} must be a redis:// or rediss:// URL, got {raw.split('://')[0]!r}://…")
    return raw


@dataclass(frozen=True)
class RasaAddonSettings:
    ACTION_SERVER_URL: str
    EMOTION_SCORER_URL: str
    EMOTION_SCORER_TIMEOUT_SECONDS: float
    # After a failed call the scorer is not asked again for this long, so an outage costs one
    # timeout, not one per message.
    EMOTION_SCORER_RETRY_AFTER_SECONDS: float
    # Sentence encoder for intent features (rasa_addons/sentence_features.py), exported by
    # `python -m actions.nlu_encoder` into var/nlu-encoder.
    NLU_ENCODER_DIR: Path
    NLU_ENCODER_THREADS: int
    # Threads that run the NLU graph off Rasa's event loop (rasa_addons/nonblocking.py); measured in
    # docs/benchmarks.md ("Load").
    NLU_PARSE_THREADS: int
    # Conversations whose dialogue states the policies continue instead of rebuilding (rasa_addons/dialogue_states.py;
    # ~100 KiB each for a 20-turn conversation, beyond its events); 0 turns the cache off.
    DIALOGUE_STATE_CACHE_SIZE: int
    # Website sessions (rasa_addons/chat_sessions.py): the key that signs them, CHAT_SESSION_SECRET or one
    # derived from HANDOFF_SECRET_KEY. REST channel: a bearer token clients must send when set; in the
    # production profile the channel is off without one (rasa_addons/channels.py).
    CHAT_SESSION_KEY: str
    REST_CHANNEL_TOKEN: str
    # Replies for a website socket held by another Rasa replica (rasa_addons/socket_bus.py): a redis:// URL
    # and the pub/sub channel every replica of one deployment shares; "" keeps sockets within this process.
    CHAT_SOCKET_BUS_URL: str
    CHAT_SOCKET_BUS_CHANNEL: str
    PRODUCTION: bool

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> "RasaAddonSettings":
        action_server = (env.get("ACTION_SERVER_URL") or "http://127.0.0.1:5055").rstrip("/")
        return cls(
            ACTION_SERVER_URL=action_server,
            EMOTION_SCORER_URL=env.get("EMOTION_SCORER_URL") or f"{action_server}/score",
            EMOTION_SCORER_TIMEOUT_SECONDS=_number(env, "EMOTION_SCORER_TIMEOUT_SECONDS", 2.0, 0.05),
            EMOTION_SCORER_RETRY_AFTER_SECONDS=_number(env, "EMOTION_SCORER_RETRY_AFTER_SECONDS", 10, 0),
            NLU_ENCODER_DIR=Path(env.get("NLU_ENCODER_DIR") or ROOT / "var" / "nlu-encoder"),
            NLU_ENCODER_THREADS=_number(env, "NLU_ENCODER_THREADS", 1, 1, int),
            NLU_PARSE_THREADS=_number(env, "NLU_PARSE_THREADS", 8, 1, int),
            DIALOGUE_STATE_CACHE_SIZE=_number(env, "DIALOGUE_STATE_CACHE_SIZE", 300, 0, int),
            CHAT_SESSION_KEY=session_key(env.get("CHAT_SESSION_SECRET") or "", env.get("HANDOFF_SECRET_KEY") or ""),
            REST_CHANNEL_TOKEN=(env.get("REST_CHANNEL_TOKEN") or "").strip(),
            CHAT_SOCKET_BUS_URL=_redis_url(env, "CHAT_SOCKET_BUS_URL"),
            CHAT_SOCKET_BUS_CHANNEL=(env.get("CHAT_SOCKET_BUS_CHANNEL") or "").strip() or "heard:chat-sockets",
            PRODUCTION=(env.get("HEARD_PROFILE") or "").strip() == "production",
        )


SETTINGS = RasaAddonSettings.from_env(os.environ)
ACTION_SERVER_URL = SETTINGS.ACTION_SERVER_URL
EMOTION_SCORER_URL = SETTINGS.EMOTION_SCORER_URL
EMOTION_SCORER_TIMEOUT_SECONDS = SETTINGS.EMOTION_SCORER_TIMEOUT_SECONDS
EMOTION_SCORER_RETRY_AFTER_SECONDS = SETTINGS.EMOTION_SCORER_RETRY_AFTER_SECONDS
NLU_ENCODER_DIR = SETTINGS.NLU_ENCODER_DIR
NLU_ENCODER_THREADS = SETTINGS.NLU_ENCODER_THREADS
NLU_PARSE_THREADS = SETTINGS.NLU_PARSE_THREADS
DIALOGUE_STATE_CACHE_SIZE = SETTINGS.DIALOGUE_STATE_CACHE_SIZE
CHAT_SESSION_KEY = SETTINGS.CHAT_SESSION_KEY
REST_CHANNEL_TOKEN = SETTINGS.REST_CHANNEL_TOKEN
CHAT_SOCKET_BUS_URL = SETTINGS.CHAT_SOCKET_BUS_URL
CHAT_SOCKET_BUS_CHANNEL = SETTINGS.CHAT_SOCKET_BUS_CHANNEL
PRODUCTION = SETTINGS.PRODUCTION
