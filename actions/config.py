"""Configuration for the action server, read once at import (never inside ``run()``).

Values come from the environment, which ``.env`` fills via python-dotenv. Every variable is
documented in ``.env.example``.
"""
from __future__ import annotations

import os
from pathlib import Path

from dotenv import load_dotenv

PROJECT_ROOT = Path(__file__).resolve().parent.parent
load_dotenv(PROJECT_ROOT / ".env")


def _float(name: str, default: float) -> float:
    raw = os.getenv(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be a number, got {raw!r}") from exc


def _int(name: str, default: int) -> int:
    return int(_float(name, default))


VAR_DIR = Path(os.getenv("HEARD_VAR_DIR", PROJECT_ROOT / "var"))

INSURANCE_DATABASE_URL = os.getenv("INSURANCE_DATABASE_URL") or f"sqlite:///{VAR_DIR / 'insurance.db'}"

RASA_URL = os.getenv("RASA_URL", "http://127.0.0.1:5005").rstrip("/")
RASA_TOKEN = os.getenv("RASA_TOKEN", "")

HANDOFF_URL = os.getenv("HANDOFF_URL", "http://127.0.0.1:5100").rstrip("/")
HANDOFF_SERVICE_TOKEN = os.getenv("HANDOFF_SERVICE_TOKEN", "")
HANDOFF_TIMEOUT_SECONDS = _float("HANDOFF_TIMEOUT_SECONDS", 3.0)

# Emotion scorer: tone bands used to pick validating reply variants.
EMOTION_TONE_DISTRESSED = _float("EMOTION_TONE_DISTRESSED", 0.70)
EMOTION_TONE_UPSET = _float("EMOTION_TONE_UPSET", 0.40)
EMOTION_MAX_CHARS = _int("EMOTION_MAX_CHARS", 2000)

ACTION_SERVER_HOST = os.getenv("ACTION_SERVER_HOST", "127.0.0.1")
ACTION_SERVER_PORT = _int("ACTION_SERVER_PORT", 5055)
# Emotion scorer embedding backend: "auto" (ONNX when `python -m actions.emotion.prepare` has run, else torch),
# "onnx" (fail if not prepared) or "torch".
EMOTION_BACKEND = os.getenv("EMOTION_BACKEND", "auto").strip().lower() or "auto"
EMOTION_ONNX_DIR = Path(os.getenv("EMOTION_ONNX_DIR", VAR_DIR / "emotion"))
# Sentence encoder for Rasa's intent features (a build artefact beside the Rasa model, so not under
# HEARD_VAR_DIR, which tests point at a scratch folder): `python -m actions.nlu_encoder` writes it.
NLU_ENCODER_DIR = Path(os.getenv("NLU_ENCODER_DIR") or PROJECT_ROOT / "var" / "nlu-encoder")

# Escalation thresholds (see actions/escalation/decision.py for what each trigger means).
ESCALATE_INTENSITY = _float("ESCALATE_INTENSITY", 0.80)
ESCALATE_IMMEDIATE_INTENSITY = _float("ESCALATE_IMMEDIATE_INTENSITY", 0.90)
ESCALATE_SUSTAINED_LEVEL = _float("ESCALATE_SUSTAINED_LEVEL", 0.55)
ESCALATE_SUSTAINED_TURNS = _int("ESCALATE_SUSTAINED_TURNS", 3)
ESCALATE_RISING_SLOPE = _float("ESCALATE_RISING_SLOPE", 0.12)
ESCALATE_LARGE_LOSS_AMOUNT = _float("ESCALATE_LARGE_LOSS_AMOUNT", 10000)
ESCALATE_DECLINE_STEP = _float("ESCALATE_DECLINE_STEP", 0.10)
ESCALATE_COOLDOWN_TURNS = _int("ESCALATE_COOLDOWN_TURNS", 2)
# Channels that can show a video call (the website widget); elsewhere the offer is chat only.
VIDEO_CHANNELS = tuple(c.strip() for c in os.getenv("VIDEO_CHANNELS", "socketio").split(",") if c.strip())
# How often the action server retries handoff work kept while the handoff service was down.
HANDOFF_RETRY_SECONDS = _float("HANDOFF_RETRY_SECONDS", 3.0)
# Threads for one ONNX inference (0 = one per core).
EMOTION_THREADS = _int("EMOTION_THREADS", 0)
