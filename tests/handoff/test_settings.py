"""The handoff service's one settings object: variable names, defaults of every limit and timeout,
errors that name the variable, and the production checks made at start-up."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from handoff_service.config import (
    DEV_SECRET_KEY,
    MIN_SECRET_CHARS,
    PROJECT_ROOT,
    SETTINGS,
    Settings,
    SettingsError,
    load_settings,
    production_problems,
    replace_settings,
    variable_for,
)

GOOD_SECRET = "s" * MIN_SECRET_CHARS
REAL_SECRETS = {"HANDOFF_SERVICE_TOKEN": "Zq3v-" + "k" * MIN_SECRET_CHARS, "HANDOFF_SECRET_KEY": "Pw9x-" + "m" * MIN_SECRET_CHARS}
PRODUCTION = {
    "HEARD_PROFILE": "production",
    "DATABASE_URL": "postgresql://heard@db/handoff",
    "HANDOFF_EVENT_BUS_URL": "redis://redis:6379/2",
    "HANDOFF_SERVICE_TOKEN": GOOD_SECRET,
    "HANDOFF_SECRET_KEY": GOOD_SECRET,
    "RASA_TOKEN": "rasa-token",
}


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No HANDOFF_/HEARD_ variable and no .env: only what the test sets."""
    for name in list(os.environ):
        if name.startswith(("HANDOFF_", "HEARD_")) or name in {"DATABASE_URL", "RASA_URL", "RASA_TOKEN",
                                                               "RASA_PUBLIC_URL"}:
            monkeypatch.delenv(name)
    monkeypatch.setitem(Settings.model_config, "env_file", None)
    return monkeypatch


def test_defaults_of_every_limit_and_timeout(clean_env: pytest.MonkeyPatch) -> None:
    s = load_settings()
    assert (s.rasa_timeout_seconds, s.event_bus_timeout_seconds, s.event_bus_reconnect_max_seconds) == (5.0, 2.0, 10.0)
    assert (s.outbox_max_attempts, s.outbox_backoff_base_seconds, s.outbox_backoff_max_seconds) == (50, 1.0, 300.0)
    assert (s.outbox_poll_seconds, s.maintenance_interval_seconds, s.queue_update_seconds) == (1.0, 30.0, 5.0)
    assert (s.max_body_bytes, s.max_text_chars) == (1_048_576, 5_000)
    assert (s.agent_token_ttl_seconds, s.agent_refresh_ttl_seconds, s.stream_token_ttl_seconds) == (900, 43_200, 300)
    assert (s.customer_token_ttl_seconds, s.login_max_failures_per_account, s.login_max_failures_per_address) == (
        86_400, 10, 30)
    assert (s.login_failure_window_seconds, s.login_lockout_seconds, s.expose_docs) == (900, 900, None)
    assert (s.retention_conversation_days, s.retention_ticket_days, s.retention_emotion_days,
            s.retention_delivery_days, s.retention_survey_days) == (0, 0, 0, 0, 0)
    assert (s.profile, s.event_bus_url, s.seed_demo_agent, s.host, s.port) == ("embedded", "", None, "127.0.0.1", 5100)
    assert s.database_url.startswith("sqlite:///") and s.database_url.endswith("/var/handoff.db")


def test_variables_are_read_under_their_documented_names(clean_env: pytest.MonkeyPatch) -> None:
    for name, value in {"HEARD_HOST": "0.0.0.0", "HANDOFF_PORT": "5111", "RASA_URL": "http://rasa:5005/",
                        "RASA_TOKEN": " t ", "DATABASE_URL": "sqlite:///var/x.db", "HANDOFF_OUTBOX_MAX_ATTEMPTS": "7",
                        "HANDOFF_EVENT_BUS_URL": "redis://r:6379/3", "HANDOFF_SEED_DEMO_AGENT": "false",
                        "HANDOFF_RASA_TIMEOUT_SECONDS": "2.5", "HANDOFF_PUBLIC_URL": "", **REAL_SECRETS}.items():
        clean_env.setenv(name, value)
    s = load_settings()
    assert (s.host, s.port, s.rasa_url, s.rasa_token) == ("0.0.0.0", 5111, "http://rasa:5005", "t")
    assert s.database_url == f"sqlite:///{PROJECT_ROOT / 'var/x.db'}"  # relative to the repository, not the cwd
    assert (s.outbox_max_attempts, s.event_bus_url, s.seed_demo_agent, s.rasa_timeout_seconds) == (
        7, "redis://r:6379/3", False, 2.5)
    assert s.public_url == ""  # empty means the default
    clean_env.setenv("HANDOFF_HOST", "10.0.0.5")
    assert load_settings().host == "10.0.0.5"  # the service's own variable wins over HEARD_HOST


@pytest.mark.parametrize(("variable", "value"), [
    ("HANDOFF_OUTBOX_MAX_ATTEMPTS", "many"), ("HANDOFF_OUTBOX_MAX_ATTEMPTS", "0"), ("HANDOFF_PORT", "70000"),
    ("HANDOFF_RASA_TIMEOUT_SECONDS", "0"), ("HANDOFF_RASA_TIMEOUT_SECONDS", "25.5"), ("HEARD_PROFILE", "prod"),
    ("HANDOFF_EVENT_BUS_TIMEOUT_SECONDS", "-1"),
])
def test_a_wrong_value_names_its_variable(clean_env: pytest.MonkeyPatch, variable: str, value: str) -> None:
    clean_env.setenv(variable, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert f"{variable}:" in str(caught.value) and repr(value) in str(caught.value)


@pytest.mark.parametrize(("timeout", "ok"), [("24.9", True), ("25", True), ("25.01", False)])
def test_rasa_timeout_limit(clean_env: pytest.MonkeyPatch, timeout: str, ok: bool) -> None:
    clean_env.setenv("HANDOFF_RASA_TIMEOUT_SECONDS", timeout)
    if ok:
        assert load_settings().rasa_timeout_seconds == float(timeout)
    else:
        with pytest.raises(SettingsError, match="HANDOFF_RASA_TIMEOUT_SECONDS"):
            load_settings()


def test_every_field_has_a_variable_name() -> None:
    names = {field: variable_for(field) for field in Settings.model_fields}
    assert names["database_url"] == "DATABASE_URL" and names["profile"] == "HEARD_PROFILE"
    assert names["event_bus_url"] == "HANDOFF_EVENT_BUS_URL" and names["host"] == "HANDOFF_HOST"
    assert len(set(names.values())) == len(names)
    documented = (PROJECT_ROOT / ".env.example").read_text(encoding="utf-8")
    missing = [v for v in names.values() if v not in documented]
    assert missing == [], f"document these in .env.example: {missing}"


def test_a_complete_production_configuration_passes(clean_env: pytest.MonkeyPatch) -> None:
    for name, value in PRODUCTION.items():
        clean_env.setenv(name, value)
    settings = load_settings()
    assert settings.profile == "production" and production_problems(settings) == []


@pytest.mark.parametrize(("variable", "value"), [
    ("DATABASE_URL", "sqlite:///var/handoff.db"), ("HANDOFF_EVENT_BUS_URL", ""),
    ("HANDOFF_EVENT_BUS_URL", "memory://"), ("HANDOFF_SERVICE_TOKEN", "s" * (MIN_SECRET_CHARS - 1)),
    ("HANDOFF_SECRET_KEY", DEV_SECRET_KEY), ("HANDOFF_SECRET_KEY", ""), ("RASA_TOKEN", ""),
    ("HANDOFF_SEED_DEMO_AGENT", "true"), ("HANDOFF_RUN_BACKGROUND_TASKS", "false"),
])
def test_each_production_problem_names_the_variable(clean_env: pytest.MonkeyPatch, variable: str, value: str) -> None:
    for name, good in PRODUCTION.items():
        clean_env.setenv(name, good)
    clean_env.setenv(variable, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    message = str(caught.value)
    assert message.startswith("HEARD_PROFILE=production, but:")
    assert len(message.splitlines()) == 2 and variable in message.splitlines()[1]


def test_the_embedded_profile_accepts_development_values(clean_env: pytest.MonkeyPatch) -> None:
    settings = load_settings()
    assert len(production_problems(settings)) >= 4  # it would not pass as production, and need not


def test_replace_settings_validates_the_change() -> None:
    assert replace_settings(SETTINGS, outbox_max_attempts=3).outbox_max_attempts == 3
    with pytest.raises(ValueError, match="outbox_max_attempts"):
        replace_settings(SETTINGS, outbox_max_attempts=0)


def test_the_service_refuses_to_start_with_a_clear_message(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HANDOFF_", "HEARD_"))}
    env.update({"HEARD_PROFILE": "production", "DATABASE_URL": "sqlite:///var/x.db", "PYTHONPATH": str(PROJECT_ROOT)})
    result = subprocess.run([sys.executable, "-m", "handoff_service"], cwd=tmp_path, env=env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 1
    assert "HEARD_PROFILE=production, but:" in result.stderr and "DATABASE_URL must be a postgresql://" in result.stderr
    assert "Traceback" not in result.stderr
