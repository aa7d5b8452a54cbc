"""actions/config.py: one validated settings object; module names unchanged; a bad value names its variable."""
from __future__ import annotations

import pytest

from actions import config
from actions.config import ActionSettings, ActionSettingsError


@pytest.fixture
def env(monkeypatch):
    for name in ActionSettings.model_fields:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_module_names_keep_working():
    assert config.RASA_URL == config.SETTINGS.RASA_URL and not config.RASA_URL.endswith("/")
    assert isinstance(config.VIDEO_CHANNELS, tuple)
    assert config.EMOTION_ONNX_DIR == (config.SETTINGS.EMOTION_ONNX_DIR or config.VAR_DIR / "emotion")
    assert config.INSURANCE_DATABASE_URL


def test_defaults(env):
    settings = ActionSettings.load()
    assert (settings.HANDOFF_TIMEOUT_SECONDS, settings.ESCALATE_INTENSITY, settings.ESCALATE_SUSTAINED_TURNS) == (3.0, 0.8, 3)
    assert settings.EMOTION_BACKEND == "auto" and settings.EMOTION_THREADS == 0


def test_empty_values_count_as_unset(env):
    env.setenv("HANDOFF_TIMEOUT_SECONDS", "")
    env.setenv("EMOTION_BACKEND", "")
    assert ActionSettings.load().HANDOFF_TIMEOUT_SECONDS == 3.0
    assert ActionSettings.load().EMOTION_BACKEND == "auto"


def test_counts_written_with_a_decimal_point_are_accepted_as_before(env):
    env.setenv("ESCALATE_SUSTAINED_TURNS", "4.0")
    assert ActionSettings.load().ESCALATE_SUSTAINED_TURNS == 4


@pytest.mark.parametrize("name, raw, message", [
    ("HANDOFF_TIMEOUT_SECONDS", "soon", "HANDOFF_TIMEOUT_SECONDS: Input should be a valid number"),
    ("HANDOFF_TIMEOUT_SECONDS", "0", "HANDOFF_TIMEOUT_SECONDS: Input should be greater than 0"),
    ("EMOTION_TONE_UPSET", "1.01", "EMOTION_TONE_UPSET: Input should be less than or equal to 1"),
    ("EMOTION_THREADS", "-1", "EMOTION_THREADS: Input should be greater than or equal to 0"),
    ("EMOTION_BACKEND", "gpu", "EMOTION_BACKEND: must be auto, onnx or torch"),
    ("ACTION_SERVER_PORT", "65536", "ACTION_SERVER_PORT: Input should be less than or equal to 65535"),
])
def test_a_bad_value_stops_the_start_naming_the_variable(env, name, raw, message):
    env.setenv(name, raw)
    with pytest.raises(ActionSettingsError, match=message):
        ActionSettings.load()


@pytest.mark.parametrize("raw, value", [("0.001", 0.001), ("3", 3.0)])
def test_timeouts_just_above_zero_are_accepted(env, raw, value):
    env.setenv("HANDOFF_TIMEOUT_SECONDS", raw)
    assert ActionSettings.load().HANDOFF_TIMEOUT_SECONDS == value


REAL_TOKEN = "Zq3v-" + "k" * 32


@pytest.mark.parametrize("host, profile, exposed", [
    ("127.0.0.1", "embedded", False), ("localhost", "embedded", False), ("0.0.0.0", "embedded", True),
    ("127.0.0.1", "production", True),
])
def test_an_action_server_others_can_reach_refuses_weak_tokens(env, host, profile, exposed):
    env.setenv("HEARD_PROFILE", profile)
    env.setenv("HANDOFF_SERVICE_TOKEN", "dev-handoff-service-token")
    env.setenv("RASA_TOKEN", "short")
    settings = ActionSettings.load()
    problems = config.exposure_problems(settings, host)
    assert bool(problems) is exposed
    if exposed:
        assert any("HANDOFF_SERVICE_TOKEN" in p for p in problems) and any("RASA_TOKEN" in p for p in problems)
        with pytest.raises(ActionSettingsError, match="reachable from other machines"):
            config.refuse_weak_secrets(settings, host)
    env.setenv("HANDOFF_SERVICE_TOKEN", REAL_TOKEN)
    env.setenv("RASA_TOKEN", REAL_TOKEN + "r")
    assert config.exposure_problems(ActionSettings.load(), host) == []
