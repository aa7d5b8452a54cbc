"""Configuration for the handoff service: one pydantic-settings object, read once at import.

Values come from the environment, then ``.env`` in the repository root; empty values mean "use the
default". Every variable is documented in ``.env.example``. Variables are ``HANDOFF_<FIELD>`` unless
the field names another (shared with the rest of Heard: DATABASE_URL, RASA_URL, RASA_TOKEN, ...).
With ``HEARD_PROFILE=production`` the values a real deployment needs are checked at start-up and a
wrong one stops the service with a message naming the variable (see ``production_problems``).
Tests derive variants with ``replace_settings(SETTINGS, field=value)``.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from stack.exposure import MIN_SECRET_CHARS, is_loopback, secret_problem  # noqa: F401 - MIN_SECRET_CHARS re-exported

PROJECT_ROOT = Path(__file__).resolve().parent.parent
_ENV_FILE = PROJECT_ROOT / ".env"


def _var_dir() -> Path:
    raw = os.getenv("HEARD_VAR_DIR", "").strip()
    path = Path(raw) if raw else PROJECT_ROOT / "var"
    return path if path.is_absolute() else PROJECT_ROOT / path


DEV_SERVICE_TOKEN = "dev-handoff-service-token"
DEV_SECRET_KEY = "dev-handoff-secret-change-me"


def _env(*names: str) -> AliasChoices:
    return AliasChoices(*names)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="HANDOFF_",
        env_file=_ENV_FILE,
        env_ignore_empty=True,
        extra="ignore",
        frozen=True,
        populate_by_name=True,
    )

    profile: Literal["embedded", "production"] = Field("embedded", validation_alias=_env("HEARD_PROFILE", "profile"))
    database_url: str = Field("", validation_alias=_env("DATABASE_URL", "database_url"))
    host: str = Field("127.0.0.1", validation_alias=_env("HANDOFF_HOST", "HEARD_HOST", "host"))
    port: int = Field(5100, ge=1, le=65535)
    service_token: str = DEV_SERVICE_TOKEN
    secret_key: str = DEV_SECRET_KEY
    rasa_url: str = Field("http://127.0.0.1:5005", validation_alias=_env("RASA_URL", "rasa_url"))
    # What a customer's browser uses to reach Rasa and this service (behind a proxy they differ).
    public_rasa_url: str = Field("", validation_alias=_env("RASA_PUBLIC_URL", "public_rasa_url"))
    public_url: str = ""
    rasa_token: str = Field("", validation_alias=_env("RASA_TOKEN", "rasa_token"))
    # Every call to Rasa (append events, trigger intent, read tracker) gives up after this long. At most 25 s:
    # one delivery makes two calls and must end inside the outbox lease (outbox.LEASE_SECONDS, 60 s).
    rasa_timeout_seconds: float = Field(5.0, gt=0, le=25)
    # Live events between replicas: "" = in this process only (embedded), redis://host:port/db = shared.
    event_bus_url: str = ""
    # Keys and channels of this deployment start with it, so two deployments can share one Redis.
    event_bus_prefix: str = "heard"
    # Redis connect/read timeout; a subscriber that loses Redis reconnects after this back-off (doubling, capped).
    event_bus_timeout_seconds: float = Field(2.0, gt=0)
    event_bus_reconnect_max_seconds: float = Field(10.0, gt=0)
    business_hours: str = "mon-fri 08:00-20:00, sat 09:00-13:00"
    timezone: str = "Europe/London"
    demo_agent_name: str = "Sam"
    demo_agent_email: str = "demo@heard.example"
    demo_agent_password: str = "heard-demo"
    # None = not set: seeded on SQLite only. True/False = as told, on any database.
    seed_demo_agent: bool | None = None
    max_body_bytes: int = Field(1_048_576, gt=0)
    max_text_chars: int = Field(5_000, gt=0)
    # Agent access tokens are short; the console renews them with the refresh token (POST /auth/refresh)
    # until the refresh token's own life ends, the agent logs out, changes password or is disabled.
    agent_token_ttl_seconds: int = Field(15 * 60, gt=0)
    agent_refresh_ttl_seconds: int = Field(12 * 3600, gt=0)
    stream_token_ttl_seconds: int = Field(300, gt=0)
    # A customer token opens its own ticket only, for this long after it was issued.
    customer_token_ttl_seconds: int = Field(24 * 3600, gt=0)
    # Sign-in brake (services/login_throttle.py): this many failures within the window lock the account
    # (or the client address) for the lockout; the next attempt is refused before any password hash runs.
    login_max_failures_per_account: int = Field(10, ge=1)
    login_max_failures_per_address: int = Field(30, ge=1)
    login_failure_window_seconds: int = Field(15 * 60, gt=0)
    login_lockout_seconds: int = Field(15 * 60, gt=0)
    # Interactive API docs (/docs, /redoc, /openapi.json): None = on in the embedded profile, off in production.
    expose_docs: bool | None = None
    # Who may show the website chat page in a frame (CSP frame-ancestors), e.g. "https://www.insurer.example".
    chat_frame_ancestors: str = "'self'"
    # Retention in days (0 = keep): enforced daily by the maintenance worker and by `cli retention`.
    retention_conversation_days: int = Field(0, ge=0)
    retention_ticket_days: int = Field(0, ge=0)
    retention_emotion_days: int = Field(0, ge=0)
    retention_delivery_days: int = Field(0, ge=0)
    retention_survey_days: int = Field(0, ge=0)
    retention_interval_seconds: float = Field(24 * 3600, gt=0)
    # The other databases that retention and erasure reach: Rasa's tracker store and the action server's
    # (handoff outbox, claims). Empty = the embedded SQLite files; "-" = not reachable from here.
    tracker_store_url: str = Field("", validation_alias=_env("TRACKER_STORE_URL", "tracker_store_url"))
    action_database_url: str = Field("", validation_alias=_env("INSURANCE_DATABASE_URL", "action_database_url"))
    ageing_minutes_per_level: float = Field(10.0, gt=0)
    queue_max_age_minutes: float = Field(60.0, gt=0)
    maintenance_interval_seconds: float = Field(30.0, gt=0)
    queue_update_seconds: float = Field(5.0, gt=0)
    default_handling_seconds: float = Field(360.0, gt=0)
    # An online agent whose console sent no heartbeat for this long counts as away (services/presence.py).
    presence_timeout_seconds: float = Field(90.0, gt=0)
    resolved_intent: str = "EXTERNAL_handoff_resolved"
    # The bot confirms the cancellation, so the customer is not left wondering (the wait ended silently before).
    abandoned_intent: str = "EXTERNAL_handoff_abandoned"
    expired_intent: str = "EXTERNAL_handoff_abandoned"
    join_message: str = (
        "Hi {first_name}, I'm {agent_name}. I've read everything you've told us so far, "
        "so there's no need to repeat yourself."
    )
    # The reconciler (reconcile.py): every interval one replica (a lease per sweep) reads the tracker of up to
    # max_tickets open tickets' conversations and imports customer messages the relay never delivered. Messages
    # younger than reconcile_after_seconds are left to the relay (the fast path, which also acknowledges the
    # customer and sends crisis lines). While Rasa is unreachable a replica waits interval doubling to backoff_max.
    reconcile_interval_seconds: float = Field(10.0, gt=0)
    reconcile_max_tickets: int = Field(50, ge=1)
    reconcile_after_seconds: float = Field(30.0, ge=0)
    reconcile_backoff_max_seconds: float = Field(120.0, gt=0)
    outbox_poll_seconds: float = Field(1.0, gt=0)
    outbox_max_attempts: int = Field(50, ge=1)
    outbox_backoff_base_seconds: float = Field(1.0, gt=0)
    outbox_backoff_max_seconds: float = Field(300.0, gt=0)
    run_background_tasks: bool = True
    # Customers' photos and PDFs (attachments service): where they are kept and how large one may be.
    # "" = var/attachments. Phone photos are 2-6 MB; 10 MB leaves room without inviting video files.
    attachments_dir: str = ""
    attachment_max_bytes: int = Field(10 * 1024 * 1024, gt=0)
    attachments_per_ticket: int = Field(20, ge=1)
    # Origins of the insurer's pages that embed the widget (comma-separated, e.g. https://www.insurer.example):
    # they may upload attachments cross-origin. Empty: same origin only (the demo page, or behind one proxy).
    widget_origins: str = ""
    # A video signalling socket must present its token as its first message within this time.
    video_auth_timeout_seconds: float = Field(5.0, gt=0)
    # Website chat sessions (api/chat_session.py, rasa_addons/chat_sessions.py): the signing key shared with
    # Rasa and the action server ("" = derived from HANDOFF_SECRET_KEY) and how long a session lasts.
    chat_session_secret: str = Field("", validation_alias=_env("CHAT_SESSION_SECRET", "chat_session_secret"))
    chat_session_ttl_seconds: int = Field(8 * 3600, gt=0, le=7 * 24 * 3600)
    # The insurer's site signs a logged-in customer's identity with this key (a shared secret for HS256, the
    # site's public key in PEM for RS256/ES256); "" = no logged-in identities accepted.
    customer_identity_key: str = Field("", validation_alias=_env("CUSTOMER_IDENTITY_KEY", "customer_identity_key"))
    customer_identity_algorithm: Literal["HS256", "HS384", "HS512", "RS256", "ES256"] = Field(
        "HS256", validation_alias=_env("CUSTOMER_IDENTITY_ALGORITHM", "customer_identity_algorithm"))
    customer_identity_issuer: str = Field("", validation_alias=_env("CUSTOMER_IDENTITY_ISSUER",
                                                                   "customer_identity_issuer"))

    @field_validator("database_url", mode="after")
    @classmethod
    def _resolve_database_url(cls, raw: str) -> str:
        raw = raw.strip()
        if not raw:
            return f"sqlite:///{_var_dir() / 'handoff.db'}"
        # "sqlite:///var/handoff.db" means under the repository root, whatever the working directory.
        prefix = "sqlite:///"
        if raw.startswith(prefix) and not raw.startswith(prefix + "/") and ":memory:" not in raw:
            return prefix + str(PROJECT_ROOT / raw[len(prefix):])
        return raw

    @field_validator("tracker_store_url", "action_database_url", mode="after")
    @classmethod
    def _resolve_other_database(cls, raw: str, info: Any) -> str:
        raw = raw.strip()
        if raw == "-":
            return ""
        if not raw:
            name = "tracker.db" if info.field_name == "tracker_store_url" else "insurance.db"
            return f"sqlite:///{_var_dir() / name}"
        return raw

    @property
    def widget_origin_list(self) -> tuple[str, ...]:
        return tuple(o.strip().rstrip("/") for o in self.widget_origins.split(",") if o.strip())

    @field_validator("attachments_dir", mode="after")
    @classmethod
    def _resolve_attachments_dir(cls, raw: str) -> str:
        raw = raw.strip()
        path = Path(raw) if raw else _var_dir() / "attachments"
        return str(path if path.is_absolute() else PROJECT_ROOT / path)

    @field_validator("rasa_url", "public_rasa_url", "public_url", mode="after")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.strip().rstrip("/")

    @field_validator("service_token", "secret_key", "rasa_token", "resolved_intent", "abandoned_intent",
                     "expired_intent", "join_message", "event_bus_url", mode="after")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()


def seeds_demo_agent(settings: Settings) -> bool:
    """The embedded default (SQLite) gets a demo agent unless switched off; any other database only when
    HANDOFF_SEED_DEMO_AGENT=true is set explicitly."""
    if settings.seed_demo_agent is None:
        return settings.database_url.startswith("sqlite")
    return settings.seed_demo_agent


def is_exposed(settings: Settings) -> bool:
    """Anything but loopback development: other machines can reach the service."""
    return settings.profile == "production" or not is_loopback(settings.host)


def exposure_problems(settings: Settings) -> list[str]:
    """What a service others can reach must not run with: known or short secrets, the demo agent."""
    problems = [problem for variable, value in (("HANDOFF_SERVICE_TOKEN", settings.service_token),
                                                ("HANDOFF_SECRET_KEY", settings.secret_key))
                if (problem := secret_problem(variable, value))]
    if seeds_demo_agent(settings):
        problems.append("HANDOFF_SEED_DEMO_AGENT must be false when the service is reachable from other machines "
                        "(the demo agent's password is published)")
    return problems


def docs_exposed(settings: Settings) -> bool:
    return settings.profile != "production" if settings.expose_docs is None else settings.expose_docs


def production_problems(settings: Settings) -> list[str]:
    """What stops a production start, each naming the variable to fix (empty: all good)."""
    problems: list[str] = []
    if not settings.database_url.startswith(("postgresql", "postgres:")):
        problems.append("DATABASE_URL must be a postgresql:// URL in production (SQLite cannot serve two replicas)")
    if not settings.event_bus_url.startswith(("redis://", "rediss://")):
        problems.append("HANDOFF_EVENT_BUS_URL must be a redis:// URL in production (replicas share live events)")
    problems += [p for p in exposure_problems(settings) if not p.startswith("HANDOFF_SEED_DEMO_AGENT")]
    if not settings.rasa_token:
        problems.append("RASA_TOKEN must be set in production (Rasa's HTTP API can rewrite any conversation)")
    if settings.seed_demo_agent:
        problems.append("HANDOFF_SEED_DEMO_AGENT must not be true in production (a known password)")
    if not settings.run_background_tasks:
        problems.append("HANDOFF_RUN_BACKGROUND_TASKS must be true in production (every replica shares the work)")
    return problems


class SettingsError(SystemExit):
    """Raised at start-up with a message that names the variable: uncaught, Python prints it and exits 1."""


def _describe(exc: ValidationError) -> str:
    lines = []
    for error in exc.errors():
        field = str(error["loc"][0]) if error.get("loc") else "?"
        lines.append(f"  {variable_for(field)}: {error['msg']} (got {error.get('input')!r})")
    return "Invalid handoff service settings:\n" + "\n".join(lines)


def variable_for(field: str) -> str:
    """The environment variable that sets ``field``."""
    alias = Settings.model_fields[field].validation_alias if field in Settings.model_fields else None
    if isinstance(alias, AliasChoices):
        return str(alias.choices[0])
    return f"HANDOFF_{field.upper()}"


def load_settings(**overrides: Any) -> Settings:
    """Read the environment (and .env); raise SettingsError naming the variable when a value is wrong."""
    try:
        settings = Settings(**overrides)
    except ValidationError as exc:
        raise SettingsError(_describe(exc)) from None
    if settings.profile == "production":
        problems = production_problems(settings)
        if problems:
            raise SettingsError("HEARD_PROFILE=production, but:\n" + "\n".join(f"  {p}" for p in problems))
    elif is_exposed(settings):
        problems = exposure_problems(settings)
        if problems:
            raise SettingsError(f"HANDOFF_HOST={settings.host} is reachable from other machines, but:\n"
                                + "\n".join(f"  {p}" for p in problems))
    return settings


def replace_settings(settings: Settings, **changes: Any) -> Settings:
    """A copy with some fields changed (tests, the CLI); the changed values are validated too."""
    return Settings.model_validate({**settings.model_dump(), **changes})


SETTINGS = load_settings()
