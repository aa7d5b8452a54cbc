"""The production profile's settings: one pydantic-settings object, validated before anything starts.

Read from the environment and ``.env``; a missing or weak value stops ``./heard up --production`` with a
message that names the variable. ``child_env()`` turns the settings into the exact environment every
replica runs with: the same variable names docker-compose.yml gives its containers
(tests/stack/test_compose_profile.py checks that).
"""
from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from stack.exposure import KNOWN_VALUES
from stack.settings import ROOT

# ./heard setup writes 43-character URL-safe tokens; anything much shorter was typed by hand.
MIN_SECRET_CHARS = 32
IDENTIFIER = r"^[a-z_][a-z0-9_]{0,40}$"


class ProductionSettingsError(SystemExit):
    """Uncaught, Python prints the message (every bad variable, named) and exits with status 1."""


class ProductionSettings(BaseSettings):
    # An empty variable (HEARD_REST_CHANNEL= in .env) means "not set": the default applies.
    model_config = SettingsConfigDict(env_file=ROOT / ".env", extra="ignore", case_sensitive=True, env_ignore_empty=True)

    RASA_TOKEN: str = Field(min_length=MIN_SECRET_CHARS)
    HANDOFF_SERVICE_TOKEN: str = Field(min_length=MIN_SECRET_CHARS)
    HANDOFF_SECRET_KEY: str = Field(min_length=MIN_SECRET_CHARS)
    POSTGRES_PASSWORD: str = Field(min_length=12)

    POSTGRES_HOST: str = "127.0.0.1"
    POSTGRES_PORT: int = Field(5432, ge=1, le=65535)
    POSTGRES_USER: str = Field("heard", pattern=IDENTIFIER)
    # Databases are PREFIX_tracker, PREFIX_handoff and PREFIX_insurance (tests use their own prefix).
    POSTGRES_DB_PREFIX: str = Field("heard", pattern=IDENTIFIER)
    # Used once at start to create the role and the databases when they are missing; never by a service.
    POSTGRES_ADMIN_URL: str = "postgresql://postgres@127.0.0.1:5432/postgres"

    REDIS_HOST: str = "127.0.0.1"
    REDIS_PORT: int = Field(6379, ge=1, le=65535)
    REDIS_LOCK_DB: int = Field(1, ge=0, le=15)
    REDIS_BUS_DB: int = Field(2, ge=0, le=15)

    # nginx: the only listener reachable from outside.
    HEARD_PUBLIC_HOST: str = "0.0.0.0"
    HEARD_PUBLIC_PORT: int = Field(8080, ge=1, le=65535)
    # The address customers' browsers use (the chat page connects its socket.io here).
    HEARD_PUBLIC_URL: str = ""
    # nginx's loopback listener for service-to-service calls (Rasa → actions, actions → handoff, …).
    HEARD_INTERNAL_PORT: int = Field(8081, ge=1, le=65535)
    # The REST channel: in production it is on when REST_CHANNEL_TOKEN is set (clients must present it);
    # true/false here overrides that (stack/channels.py rest_channel_on); unset leaves it to the token.
    HEARD_REST_CHANNEL: bool | None = None
    HEARD_REPLICAS: int = Field(2, ge=1, le=8)
    # Replica i of Rasa listens on BASE+i, of the action server on BASE+100+i, of the handoff service on BASE+200+i.
    HEARD_REPLICA_PORT_BASE: int = Field(6000, ge=1024, le=65000)
    HEARD_VAR_DIR: Path = ROOT / "var"
    # The emotion model's ONNX export made by ./heard setup: a build artefact like the Rasa model, so it
    # stays where setup made it when HEARD_VAR_DIR points elsewhere (without it the scorer falls back to torch).
    EMOTION_ONNX_DIR: Path = ROOT / "var" / "emotion"
    # Issue #19 (rasa_addons/channels.py, rasa_addons/chat_sessions.py): the REST channel is off in production
    # unless clients must send this bearer token; the website session key ("" = derived from
    # HANDOFF_SECRET_KEY); the insurer's site's key for logged-in customers' identities ("" = none accepted).
    REST_CHANNEL_TOKEN: str = ""
    CHAT_SESSION_SECRET: str = ""
    CUSTOMER_IDENTITY_KEY: str = ""

    @field_validator("RASA_TOKEN", "HANDOFF_SERVICE_TOKEN", "HANDOFF_SECRET_KEY", "POSTGRES_PASSWORD", mode="after")
    @classmethod
    def _not_published(cls, value: str) -> str:
        if value.strip().lower() in KNOWN_VALUES:
            raise ValueError("a published example or development value; set a random secret")
        return value

    @model_validator(mode="after")
    def _distinct_redis_dbs(self) -> "ProductionSettings":
        if self.REDIS_LOCK_DB == self.REDIS_BUS_DB:
            raise ValueError("REDIS_LOCK_DB and REDIS_BUS_DB must differ (Rasa's locks and the handoff bus)")
        return self

    @classmethod
    def load(cls, **overrides: object) -> "ProductionSettings":
        try:
            return cls(**overrides)
        except ValidationError as error:
            raise ProductionSettingsError(describe(error)) from None

    @property
    def public_url(self) -> str:
        host = "localhost" if self.HEARD_PUBLIC_HOST in ("0.0.0.0", "::") else self.HEARD_PUBLIC_HOST
        return (self.HEARD_PUBLIC_URL or f"http://{host}:{self.HEARD_PUBLIC_PORT}").rstrip("/")

    @property
    def internal_url(self) -> str:
        return f"http://127.0.0.1:{self.HEARD_INTERNAL_PORT}"

    def database(self, name: str) -> str:
        return f"{self.POSTGRES_DB_PREFIX}_{name}"

    def database_url(self, name: str, driver: str = "postgresql") -> str:
        password = quote(self.POSTGRES_PASSWORD, safe="")
        return (f"{driver}://{self.POSTGRES_USER}:{password}@{self.POSTGRES_HOST}:{self.POSTGRES_PORT}/"
                f"{self.database(name)}")

    def replica_ports(self, service: str) -> list[int]:
        offset = {"rasa": 0, "actions": 100, "handoff": 200}[service]
        return [self.HEARD_REPLICA_PORT_BASE + offset + i for i in range(self.HEARD_REPLICAS)]

    def child_env(self) -> dict[str, str]:
        """What every replica is started with (a replica adds its own port)."""
        internal = self.internal_url
        return {
            "HEARD_PROFILE": "production",
            "HEARD_HOST": "127.0.0.1",
            "HEARD_VAR_DIR": str(self.HEARD_VAR_DIR),
            "EMOTION_ONNX_DIR": str(self.EMOTION_ONNX_DIR),
            "RASA_TOKEN": self.RASA_TOKEN,
            "HANDOFF_SERVICE_TOKEN": self.HANDOFF_SERVICE_TOKEN,
            "HANDOFF_SECRET_KEY": self.HANDOFF_SECRET_KEY,
            "RASA_ENDPOINTS": "endpoints.production.yml",
            "TRACKER_STORE_URL": self.database_url("tracker"),
            # Rasa's pool per replica (default 50 + 100): its 8 tracker-store threads need ~10, and PostgreSQL's
            # default max_connections (100) is shared by every replica of every service.
            "SQL_POOL_SIZE": "10",
            "SQL_MAX_OVERFLOW": "10",
            # A conversation's lock is a lease renewed while its turn runs (rasa_addons/lock_lease.py): this is
            # how long a replica killed mid-turn keeps its conversations waiting (Rasa's default is 60 s).
            "TICKET_LOCK_LIFETIME": "20",
            "DATABASE_URL": self.database_url("handoff", "postgresql+psycopg"),
            "INSURANCE_DATABASE_URL": self.database_url("insurance", "postgresql+psycopg"),
            "REDIS_HOST": self.REDIS_HOST,
            "REDIS_PORT": str(self.REDIS_PORT),
            "REDIS_LOCK_DB": str(self.REDIS_LOCK_DB),
            "HANDOFF_EVENT_BUS_URL": f"redis://{self.REDIS_HOST}:{self.REDIS_PORT}/{self.REDIS_BUS_DB}",
            # A website reply made by the Rasa replica without the customer's socket (rasa_addons/socket_bus.py).
            # Pub/sub channels are shared by every Redis database, so the channel carries the deployment's prefix.
            "CHAT_SOCKET_BUS_URL": f"redis://{self.REDIS_HOST}:{self.REDIS_PORT}/{self.REDIS_BUS_DB}",
            "CHAT_SOCKET_BUS_CHANNEL": f"{self.POSTGRES_DB_PREFIX}:chat-sockets",
            # Service to service through nginx's loopback listener: a dead replica is skipped.
            "RASA_URL": f"{internal}/rasa",
            "ACTION_SERVER_URL": f"{internal}/actions",
            "ACTION_ENDPOINT_URL": f"{internal}/actions/webhook",
            "EMOTION_SCORER_URL": f"{internal}/actions/score",
            "HANDOFF_URL": f"{internal}/handoff",
            "RASA_PUBLIC_URL": self.public_url,
            "HANDOFF_PUBLIC_URL": self.public_url,
            "HANDOFF_SEED_DEMO_AGENT": "false",
            "HEARD_REST_CHANNEL": {None: "", True: "true", False: "false"}[self.HEARD_REST_CHANNEL],
            "RASA_TELEMETRY_ENABLED": "false",
            "OPENBLAS_NUM_THREADS": "1",
            "PYTHONUNBUFFERED": "1",
            "REST_CHANNEL_TOKEN": self.REST_CHANNEL_TOKEN,
            "CHAT_SESSION_SECRET": self.CHAT_SESSION_SECRET,
            "CUSTOMER_IDENTITY_KEY": self.CUSTOMER_IDENTITY_KEY,
        }


def describe(error: ValidationError) -> str:
    lines = []
    for problem in error.errors():
        variable = ".".join(str(part) for part in problem.get("loc") or ()) or "settings"
        # A secret is never echoed; nor is a whole-settings input (a cross-field check), which holds them all.
        shown = "" if "TOKEN" in variable or "SECRET" in variable or "PASSWORD" in variable \
            or not problem.get("loc") else f" (got {problem.get('input')!r})"
        message = problem["msg"].removeprefix("Value error, ")
        lines.append(f"  {variable}: {message}{shown}")
    return "The production profile cannot start; fix these in .env or the environment:\n" + "\n".join(lines)
