"""The production profile refuses to start on a missing or weak secret, naming the variable."""
from __future__ import annotations

import pytest

from stack.production import nginx_config, render_template
from stack.production_settings import MIN_SECRET_CHARS, ProductionSettings, ProductionSettingsError

SECRET = "s" * MIN_SECRET_CHARS
GOOD = dict(RASA_TOKEN=SECRET, HANDOFF_SERVICE_TOKEN=SECRET, HANDOFF_SECRET_KEY=SECRET, POSTGRES_PASSWORD="p" * 12)


def load(**values) -> ProductionSettings:
    return ProductionSettings.load(_env_file=None, **{**GOOD, **values})


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in list(ProductionSettings.model_fields):
        monkeypatch.delenv(name, raising=False)


def test_a_complete_environment_loads():
    settings = load()
    assert settings.replica_ports("rasa") == [6000, 6001]
    assert settings.replica_ports("actions") == [6100, 6101]
    assert settings.replica_ports("handoff") == [6200, 6201]
    assert settings.public_url == "http://localhost:8080"


@pytest.mark.parametrize("variable", ["RASA_TOKEN", "HANDOFF_SERVICE_TOKEN", "HANDOFF_SECRET_KEY", "POSTGRES_PASSWORD"])
def test_a_missing_secret_is_named(variable):
    values = {k: v for k, v in GOOD.items() if k != variable}
    with pytest.raises(ProductionSettingsError, match=rf"{variable}: Field required"):
        ProductionSettings.load(_env_file=None, **values)


@pytest.mark.parametrize("length, ok", [(MIN_SECRET_CHARS - 1, False), (MIN_SECRET_CHARS, True), (MIN_SECRET_CHARS + 1, True)])
def test_secrets_need_thirty_two_characters(length, ok):
    if ok:
        assert load(RASA_TOKEN="-" * length).RASA_TOKEN == "-" * length  # a token may start with "-"
    else:
        with pytest.raises(ProductionSettingsError, match="RASA_TOKEN: String should have at least 32") as raised:
            load(RASA_TOKEN="x" * length)
        assert "x" * length not in str(raised.value)  # a secret is never echoed


@pytest.mark.parametrize("replicas, ok", [(0, False), (1, True), (8, True), (9, False)])
def test_replicas_between_one_and_eight(replicas, ok):
    if ok:
        assert len(load(HEARD_REPLICAS=replicas).replica_ports("rasa")) == replicas
    else:
        with pytest.raises(ProductionSettingsError, match="HEARD_REPLICAS"):
            load(HEARD_REPLICAS=replicas)


def test_bad_values_are_all_listed_with_what_was_given():
    with pytest.raises(ProductionSettingsError) as raised:
        load(POSTGRES_PORT="five", POSTGRES_USER="Robert'); DROP", REDIS_LOCK_DB=16)
    text = str(raised.value)
    assert "POSTGRES_PORT: Input should be a valid integer" in text and "'five'" in text
    assert "POSTGRES_USER: String should match pattern" in text
    assert "REDIS_LOCK_DB: Input should be less than or equal to 15" in text


def test_locks_and_bus_cannot_share_a_redis_database():
    with pytest.raises(ProductionSettingsError, match="REDIS_LOCK_DB and REDIS_BUS_DB must differ"):
        load(REDIS_LOCK_DB=3, REDIS_BUS_DB=3)


def test_child_environment_points_every_service_at_postgres_redis_and_nginx():
    env = load(POSTGRES_PASSWORD="p@ss/word:12", HEARD_INTERNAL_PORT=7001, HEARD_PUBLIC_URL="https://chat.example/").child_env()
    assert env["TRACKER_STORE_URL"] == "postgresql://heard:p%40ss%2Fword%3A12@127.0.0.1:5432/heard_tracker"
    assert env["DATABASE_URL"].startswith("postgresql+psycopg://") and env["DATABASE_URL"].endswith("/heard_handoff")
    assert env["INSURANCE_DATABASE_URL"].endswith("/heard_insurance")
    assert env["RASA_ENDPOINTS"] == "endpoints.production.yml"
    assert env["HANDOFF_EVENT_BUS_URL"] == "redis://127.0.0.1:6379/2" and env["REDIS_LOCK_DB"] == "1"
    assert env["ACTION_ENDPOINT_URL"] == "http://127.0.0.1:7001/actions/webhook"
    assert env["EMOTION_SCORER_URL"] == "http://127.0.0.1:7001/actions/score"
    assert env["RASA_PUBLIC_URL"] == env["HANDOFF_PUBLIC_URL"] == "https://chat.example"
    assert env["HEARD_PROFILE"] == "production" and env["HANDOFF_SEED_DEMO_AGENT"] == "false"


def test_template_variables_must_all_have_values():
    assert render_template("a ${X} $remote_addr", {"X": "1"}) == "a 1 $remote_addr"
    with pytest.raises(KeyError, match="Y"):
        render_template("${X} ${Y}", {"X": "1"})


def test_nginx_listens_publicly_only_on_the_public_port(tmp_path):
    settings = load(HEARD_PUBLIC_PORT=9000, HEARD_INTERNAL_PORT=9001)
    conf = nginx_config(settings, tmp_path, tmp_path)
    listens = [line.split()[1].rstrip(";") for line in conf.splitlines() if line.strip().startswith("listen ")]
    assert listens == ["0.0.0.0:9000", "127.0.0.1:9001"]
    assert "server 127.0.0.1:6000" in conf and "server 127.0.0.1:6001" in conf and "${" not in conf
    public = conf.split("listen 0.0.0.0:9000")[1].split("listen 127.0.0.1:9001")[0]
    assert "location /rasa/" not in public and "location /actions/" not in public  # Rasa's HTTP API and actions stay internal


def test_a_published_value_is_refused_and_never_echoed():
    with pytest.raises(ProductionSettingsError, match="POSTGRES_PASSWORD: a published example") as raised:
        load(POSTGRES_PASSWORD="your-secret-here")
    assert "your-secret-here" not in str(raised.value)


def test_a_cross_field_problem_does_not_echo_the_secrets():
    with pytest.raises(ProductionSettingsError, match="REDIS_LOCK_DB and REDIS_BUS_DB must differ") as raised:
        load(REDIS_LOCK_DB=3, REDIS_BUS_DB=3)
    assert SECRET not in str(raised.value) and "p" * 12 not in str(raised.value)


@pytest.mark.parametrize("asked, value", [(None, ""), (True, "true"), (False, "false")])
def test_the_rest_channel_is_passed_on_only_when_asked(asked, value):
    settings = load() if asked is None else load(HEARD_REST_CHANNEL=asked)
    assert settings.child_env()["HEARD_REST_CHANNEL"] == value
