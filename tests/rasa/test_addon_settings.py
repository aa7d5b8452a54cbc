"""rasa_addons/settings.py: every value parsed and checked once; a bad one names its variable."""
from __future__ import annotations

from pathlib import Path

import pytest

from rasa_addons.settings import ROOT, RasaAddonSettings, SettingsError


def test_defaults_point_at_the_local_action_server():
    settings = RasaAddonSettings.from_env({})
    assert settings.EMOTION_SCORER_URL == "http://127.0.0.1:5055/score"
    assert (settings.EMOTION_SCORER_TIMEOUT_SECONDS, settings.EMOTION_SCORER_RETRY_AFTER_SECONDS) == (2.0, 10.0)
    assert (settings.NLU_ENCODER_THREADS, settings.NLU_PARSE_THREADS) == (1, 8)
    assert settings.DIALOGUE_STATE_CACHE_SIZE == 300
    assert settings.NLU_ENCODER_DIR == ROOT / "var" / "nlu-encoder"


def test_the_scorer_follows_the_action_server_unless_set_itself():
    assert RasaAddonSettings.from_env({"ACTION_SERVER_URL": "http://actions:5055/"}).EMOTION_SCORER_URL \
        == "http://actions:5055/score"
    assert RasaAddonSettings.from_env({"ACTION_SERVER_URL": "http://a:1", "EMOTION_SCORER_URL": "http://s/score"}) \
        .EMOTION_SCORER_URL == "http://s/score"


@pytest.mark.parametrize("name, raw, message", [
    ("EMOTION_SCORER_TIMEOUT_SECONDS", "soon", "EMOTION_SCORER_TIMEOUT_SECONDS must be a number, got 'soon'"),
    ("EMOTION_SCORER_TIMEOUT_SECONDS", "0.04", "EMOTION_SCORER_TIMEOUT_SECONDS must be at least 0.05"),
    ("EMOTION_SCORER_RETRY_AFTER_SECONDS", "-1", "EMOTION_SCORER_RETRY_AFTER_SECONDS must be at least 0"),
    ("NLU_PARSE_THREADS", "0", "NLU_PARSE_THREADS must be at least 1"),
    ("NLU_PARSE_THREADS", "2.5", "NLU_PARSE_THREADS must be a whole number"),
    ("NLU_ENCODER_THREADS", "0", "NLU_ENCODER_THREADS must be at least 1"),
    ("DIALOGUE_STATE_CACHE_SIZE", "-1", "DIALOGUE_STATE_CACHE_SIZE must be at least 0"),
])
def test_a_bad_value_is_refused_with_its_name(name, raw, message):
    with pytest.raises(SettingsError, match=message.replace(".", r"\.")):
        RasaAddonSettings.from_env({name: raw})


@pytest.mark.parametrize("name, raw, value", [
    ("EMOTION_SCORER_TIMEOUT_SECONDS", "0.05", 0.05), ("EMOTION_SCORER_RETRY_AFTER_SECONDS", "0", 0.0),
    ("NLU_PARSE_THREADS", "1", 1), ("NLU_PARSE_THREADS", " 16 ", 16), ("NLU_PARSE_THREADS", "", 8),
    ("DIALOGUE_STATE_CACHE_SIZE", "0", 0), ("DIALOGUE_STATE_CACHE_SIZE", "1", 1),
])
def test_values_at_the_limits_are_accepted(name, raw, value):
    assert getattr(RasaAddonSettings.from_env({name: raw}), name) == value


def test_module_constants_keep_working_for_the_components():
    from rasa_addons import settings

    assert settings.NLU_PARSE_THREADS == settings.SETTINGS.NLU_PARSE_THREADS
    assert isinstance(settings.NLU_ENCODER_DIR, Path)
