"""Configuration for the action server, read once at import (never inside ``run()``).

One pydantic-settings object (``SETTINGS``) reads the environment, which ``.env`` fills via python-dotenv;
a bad value stops the server at start with a message naming the variable. Every variable is documented in
``.env.example``. The module-level names (``from actions import config; config.RASA_URL``) stay as they were.
"""
from __future__ import annotations

from pathlib import Path

from dotenv import load_dotenv
from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from stack.exposure import is_loopback, secret_problem
from rasa_addons.chat_sessions import session_key

PROJECT_ROOT = Path(__file__).resolve().parent.parent
load_dotenv(PROJECT_ROOT / ".env")


class ActionSettingsError(SystemExit):
    """Uncaught, Python prints the message naming each bad variable and exits with status 1."""


class ActionSettings(BaseSettings):
    # Empty variables count as unset, as the hand-written reader did.
    model_config = SettingsConfigDict(extra="ignore", case_sensitive=True, env_ignore_empty=True)

    HEARD_PROFILE: str = "embedded"
    HEARD_VAR_DIR: Path = PROJECT_ROOT / "var"
    INSURANCE_DATABASE_URL: str = ""
    RASA_URL: str = "http://127.0.0.1:5005"
    RASA_TOKEN: str = ""
    HANDOFF_URL: str = "http://127.0.0.1:5100"
    HANDOFF_SERVICE_TOKEN: str = ""
    HANDOFF_TIMEOUT_SECONDS: float = Field(3.0, gt=0)

    # Emotion scorer: tone bands used to pick validating reply variants.
    EMOTION_TONE_DISTRESSED: float = Field(0.70, ge=0, le=1)
    EMOTION_TONE_UPSET: float = Field(0.40, ge=0, le=1)
    EMOTION_MAX_CHARS: int = Field(2000, ge=1)

    ACTION_SERVER_HOST: str = "127.0.0.1"
    ACTION_SERVER_PORT: int = Field(5055, ge=1, le=65535)
    # Emotion scorer embedding backend: "auto" (ONNX when `python -m actions.emotion.prepare` has run, else
    # torch), "onnx" (fail if not prepared) or "torch".
    EMOTION_BACKEND: str = "auto"
    EMOTION_ONNX_DIR: Path | None = None
    # Sentence encoder for Rasa's intent features (a build artefact beside the Rasa model, so not under
    # HEARD_VAR_DIR, which tests point at a scratch folder): `python -m actions.nlu_encoder` writes it.
    NLU_ENCODER_DIR: Path = PROJECT_ROOT / "var" / "nlu-encoder"

    # Escalation thresholds (see actions/escalation/decision.py for what each trigger means).
    ESCALATE_INTENSITY: float = 0.80
    ESCALATE_IMMEDIATE_INTENSITY: float = 0.90
    ESCALATE_SUSTAINED_LEVEL: float = 0.55
    ESCALATE_SUSTAINED_TURNS: int = 3
    ESCALATE_RISING_SLOPE: float = 0.12
    ESCALATE_LARGE_LOSS_AMOUNT: float = 10000
    ESCALATE_DECLINE_STEP: float = 0.10
    ESCALATE_COOLDOWN_TURNS: int = 2
    # Channels that can show a video call (the website widget); elsewhere the offer is chat only.
    VIDEO_CHANNELS: str = "socketio"
    # How often the action server retries handoff work kept while the handoff service was down.
    HANDOFF_RETRY_SECONDS: float = Field(3.0, gt=0)
    # Threads for one ONNX inference (0 = one per core).
    EMOTION_THREADS: int = Field(0, ge=0)
    # Website sessions (rasa_addons/chat_sessions.py): the key that signs them, or "" to derive it from
    # HANDOFF_SECRET_KEY like the handoff service and Rasa do. A session naming a customer verifies them.
    CHAT_SESSION_SECRET: str = ""
    HANDOFF_SECRET_KEY: str = ""

    @field_validator("ESCALATE_SUSTAINED_TURNS", "ESCALATE_COOLDOWN_TURNS", "EMOTION_MAX_CHARS",
                     "EMOTION_THREADS", "ACTION_SERVER_PORT", mode="before")
    @classmethod
    def _whole_from_decimal(cls, raw: object) -> object:
        # The former reader accepted "3.0" for a count (int(float(raw))); keep accepting it.
        if isinstance(raw, str):
            try:
                return int(float(raw))
            except ValueError:
                return raw
        return raw

    @field_validator("RASA_URL", "HANDOFF_URL", mode="after")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @field_validator("EMOTION_BACKEND", mode="after")
    @classmethod
    def _backend(cls, value: str) -> str:
        value = value.strip().lower() or "auto"
        if value not in ("auto", "onnx", "torch"):
            raise ValueError(f"must be auto, onnx or torch, got {value!r}")
        return value

    @classmethod
    def load(cls) -> "ActionSettings":
        try:
            return cls()
        except ValidationError as error:
            lines = [f"  {'.'.join(map(str, e['loc']))}: {e['msg'].removeprefix('Value error, ')}"
                     for e in error.errors()]
            raise ActionSettingsError("Invalid action server settings:\n" + "\n".join(lines)) from None


def exposure_problems(settings: ActionSettings, host: str) -> list[str]:
    """What an action server that others can reach (production, or bound beyond loopback) must not run with:
    a missing, short or published token for the handoff service or Rasa (stack/exposure.py's rule)."""
    if settings.HEARD_PROFILE != "production" and is_loopback(host):
        return []
    return [problem for variable, value in (("HANDOFF_SERVICE_TOKEN", settings.HANDOFF_SERVICE_TOKEN),
                                            ("RASA_TOKEN", settings.RASA_TOKEN))
            if (problem := secret_problem(variable, value))]


def refuse_weak_secrets(settings: ActionSettings, host: str) -> None:
    problems = exposure_problems(settings, host)
    if problems:
        raise ActionSettingsError(f"The action server on {host} is reachable from other machines, but:\n"
                                  + "\n".join(f"  {p}" for p in problems))


SETTINGS = ActionSettings.load()

VAR_DIR = SETTINGS.HEARD_VAR_DIR
INSURANCE_DATABASE_URL = SETTINGS.INSURANCE_DATABASE_URL or f"sqlite:///{VAR_DIR / 'insurance.db'}"
RASA_URL = SETTINGS.RASA_URL
RASA_TOKEN = SETTINGS.RASA_TOKEN
HANDOFF_URL = SETTINGS.HANDOFF_URL
HANDOFF_SERVICE_TOKEN = SETTINGS.HANDOFF_SERVICE_TOKEN
HANDOFF_TIMEOUT_SECONDS = SETTINGS.HANDOFF_TIMEOUT_SECONDS
EMOTION_TONE_DISTRESSED = SETTINGS.EMOTION_TONE_DISTRESSED
EMOTION_TONE_UPSET = SETTINGS.EMOTION_TONE_UPSET
EMOTION_MAX_CHARS = SETTINGS.EMOTION_MAX_CHARS
ACTION_SERVER_HOST = SETTINGS.ACTION_SERVER_HOST
ACTION_SERVER_PORT = SETTINGS.ACTION_SERVER_PORT
EMOTION_BACKEND = SETTINGS.EMOTION_BACKEND
EMOTION_ONNX_DIR = SETTINGS.EMOTION_ONNX_DIR or VAR_DIR / "emotion"
NLU_ENCODER_DIR = SETTINGS.NLU_ENCODER_DIR
ESCALATE_INTENSITY = SETTINGS.ESCALATE_INTENSITY
ESCALATE_IMMEDIATE_INTENSITY = SETTINGS.ESCALATE_IMMEDIATE_INTENSITY
ESCALATE_SUSTAINED_LEVEL = SETTINGS.ESCALATE_SUSTAINED_LEVEL
ESCALATE_SUSTAINED_TURNS = SETTINGS.ESCALATE_SUSTAINED_TURNS
ESCALATE_RISING_SLOPE = SETTINGS.ESCALATE_RISING_SLOPE
ESCALATE_LARGE_LOSS_AMOUNT = SETTINGS.ESCALATE_LARGE_LOSS_AMOUNT
ESCALATE_DECLINE_STEP = SETTINGS.ESCALATE_DECLINE_STEP
ESCALATE_COOLDOWN_TURNS = SETTINGS.ESCALATE_COOLDOWN_TURNS
VIDEO_CHANNELS = tuple(c.strip() for c in SETTINGS.VIDEO_CHANNELS.split(",") if c.strip())
HANDOFF_RETRY_SECONDS = SETTINGS.HANDOFF_RETRY_SECONDS
EMOTION_THREADS = SETTINGS.EMOTION_THREADS
CHAT_SESSION_KEY = session_key(SETTINGS.CHAT_SESSION_SECRET, SETTINGS.HANDOFF_SECRET_KEY)
