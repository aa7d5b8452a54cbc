"""Configuration for the handoff service, read once at import (never inside a request).

Values come from the environment, which ``.env`` in the repository root fills via python-dotenv.
Every variable is documented in ``.env.example``. Tests build their own ``Settings`` with
``dataclasses.replace(SETTINGS, ...)`` instead of mutating the environment.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from dotenv import load_dotenv

PROJECT_ROOT = Path(__file__).resolve().parent.parent
load_dotenv(PROJECT_ROOT / ".env")

VAR_DIR = Path(os.getenv("HEARD_VAR_DIR") or PROJECT_ROOT / "var")
if not VAR_DIR.is_absolute():
    VAR_DIR = PROJECT_ROOT / VAR_DIR
DEFAULT_DB_PATH = VAR_DIR / "handoff.db"


def _database_url() -> str:
    raw = os.getenv("DATABASE_URL", "").strip()
    if not raw:
        return f"sqlite:///{DEFAULT_DB_PATH}"
    # "sqlite:///var/handoff.db" means under the repository root, whatever the working directory.
    prefix = "sqlite:///"
    if raw.startswith(prefix) and not raw.startswith(prefix + "/") and ":memory:" not in raw:
        return prefix + str(PROJECT_ROOT / raw[len(prefix):])
    return raw


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


def _str(name: str, default: str) -> str:
    raw = os.getenv(name)
    return default if raw is None or raw.strip() == "" else raw.strip()


def _bool(name: str, default: bool) -> bool:
    raw = os.getenv(name)
    if raw is None or raw.strip() == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    database_url: str
    host: str
    port: int
    service_token: str
    secret_key: str
    rasa_url: str
    public_rasa_url: str
    public_url: str
    rasa_token: str
    rasa_timeout_seconds: float
    business_hours: str
    timezone: str
    demo_agent_name: str
    demo_agent_email: str
    demo_agent_password: str
    seed_demo_agent: bool
    seed_demo_agent_explicit: bool
    max_body_bytes: int
    max_text_chars: int
    agent_token_ttl_seconds: int
    stream_token_ttl_seconds: int
    ageing_minutes_per_level: float
    queue_max_age_minutes: float
    maintenance_interval_seconds: float
    queue_update_seconds: float
    default_handling_seconds: float
    resolved_intent: str
    abandoned_intent: str
    expired_intent: str
    join_message: str
    outbox_poll_seconds: float
    outbox_max_attempts: int
    outbox_backoff_base_seconds: float
    outbox_backoff_max_seconds: float
    run_background_tasks: bool = True


def load_settings() -> Settings:
    return Settings(
        database_url=_database_url(),
        host=_str("HANDOFF_HOST", _str("HEARD_HOST", "127.0.0.1")),
        port=_int("HANDOFF_PORT", 5100),
        service_token=_str("HANDOFF_SERVICE_TOKEN", "dev-handoff-service-token"),
        secret_key=_str("HANDOFF_SECRET_KEY", "dev-handoff-secret-change-me"),
        rasa_url=_str("RASA_URL", "http://127.0.0.1:5005").rstrip("/"),
        # What a customer's browser uses to reach Rasa and this service (behind a proxy they differ).
        public_rasa_url=os.getenv("RASA_PUBLIC_URL", "").strip().rstrip("/"),
        public_url=os.getenv("HANDOFF_PUBLIC_URL", "").strip().rstrip("/"),
        rasa_token=os.getenv("RASA_TOKEN", "").strip(),
        rasa_timeout_seconds=_float("HANDOFF_RASA_TIMEOUT_SECONDS", 5.0),
        business_hours=_str("HANDOFF_BUSINESS_HOURS", "mon-fri 08:00-20:00, sat 09:00-13:00"),
        timezone=_str("HANDOFF_TIMEZONE", "Europe/London"),
        demo_agent_name=_str("HANDOFF_DEMO_AGENT_NAME", "Sam"),
        demo_agent_email=_str("HANDOFF_DEMO_AGENT_EMAIL", "demo@heard.example"),
        demo_agent_password=_str("HANDOFF_DEMO_AGENT_PASSWORD", "heard-demo"),
        seed_demo_agent=_bool("HANDOFF_SEED_DEMO_AGENT", True),
        seed_demo_agent_explicit=_bool("HANDOFF_SEED_DEMO_AGENT", False),
        max_body_bytes=_int("HANDOFF_MAX_BODY_BYTES", 1_048_576),
        max_text_chars=_int("HANDOFF_MAX_TEXT_CHARS", 5_000),
        agent_token_ttl_seconds=_int("HANDOFF_AGENT_TOKEN_TTL_SECONDS", 12 * 3600),
        stream_token_ttl_seconds=_int("HANDOFF_STREAM_TOKEN_TTL_SECONDS", 300),
        ageing_minutes_per_level=_float("HANDOFF_AGEING_MINUTES_PER_LEVEL", 10.0),
        queue_max_age_minutes=_float("HANDOFF_QUEUE_MAX_AGE_MINUTES", 60.0),
        maintenance_interval_seconds=_float("HANDOFF_MAINTENANCE_INTERVAL_SECONDS", 30.0),
        queue_update_seconds=_float("HANDOFF_QUEUE_UPDATE_SECONDS", 5.0),
        default_handling_seconds=_float("HANDOFF_DEFAULT_HANDLING_SECONDS", 360.0),
        resolved_intent=os.getenv("HANDOFF_RESOLVED_INTENT", "EXTERNAL_handoff_resolved").strip(),
        # The bot confirms the cancellation, so the customer is not left wondering (the wait ended silently before).
        abandoned_intent=os.getenv("HANDOFF_ABANDONED_INTENT", "EXTERNAL_handoff_abandoned").strip(),
        expired_intent=os.getenv("HANDOFF_EXPIRED_INTENT", "EXTERNAL_handoff_abandoned").strip(),
        join_message=os.getenv(
            "HANDOFF_JOIN_MESSAGE",
            "Hi {first_name}, I'm {agent_name}. I've read everything you've told us so far, "
            "so there's no need to repeat yourself.",
        ).strip(),
        outbox_poll_seconds=_float("HANDOFF_OUTBOX_POLL_SECONDS", 1.0),
        outbox_max_attempts=_int("HANDOFF_OUTBOX_MAX_ATTEMPTS", 50),
        outbox_backoff_base_seconds=_float("HANDOFF_OUTBOX_BACKOFF_BASE_SECONDS", 1.0),
        outbox_backoff_max_seconds=_float("HANDOFF_OUTBOX_BACKOFF_MAX_SECONDS", 300.0),
        run_background_tasks=_bool("HANDOFF_RUN_BACKGROUND_TASKS", True),
    )


SETTINGS = load_settings()
