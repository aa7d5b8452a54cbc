"""docker-compose.yml runs what the production profile runs (services, commands, variable names), and each
image holds what its service reads at start-up. No container engine exists here, so this is the check."""
from __future__ import annotations

import re
import shlex

import pytest
import yaml

from stack import production
from stack.production_settings import ProductionSettings
from tests.conftest import ROOT

COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
APP_ENV = COMPOSE["x-app-env"]
REPLICATED = {"rasa", "actions", "handoff"}
# Only on this machine: containers have fixed hostnames, their own WORKDIR, and the image sets the rest (checked below).
MACHINE_ONLY = {"HEARD_HOST", "HEARD_VAR_DIR", "EMOTION_ONNX_DIR", "OPENBLAS_NUM_THREADS", "PYTHONUNBUFFERED"}
# Which file or folder each service reads at start-up, and where that is read.
STARTUP_READS = {
    "actions": {"actions": "actions.server, the emotion head, insurance migrations",
                "var/emotion": "the ONNX emotion encoder (made by RUN python -m actions.emotion.prepare)"},
    "handoff": {"handoff_service": "app, alembic migrations, console", "web": "handoff_service/api/customer.py WEB_DIR"},
    "rasa": {"rasa_addons": "pipeline components, serve", "models/heard.tar.gz": "--model (made by RUN rasa train)",
             "endpoints.production.yml": "--endpoints", "credentials.yml": "stack.channels",
             "stack/channels.py": "writes the active credentials", "var/nlu-encoder": "sentence features"},
}
PRODUCED_BY = {"var/emotion": "python -m actions.emotion.prepare", "models/heard.tar.gz": "rasa train --fixed-model-name heard",
               "var/nlu-encoder": "COPY --from=nlu-encoder /app/var/nlu-encoder var/nlu-encoder"}


@pytest.fixture(scope="module")
def profile():
    secret = "s" * 40
    settings = ProductionSettings.load(_env_file=None, RASA_TOKEN=secret, HANDOFF_SERVICE_TOKEN=secret,
                                       HANDOFF_SECRET_KEY=secret, POSTGRES_PASSWORD="p" * 16)
    original = production.nginx_binary
    production.nginx_binary = lambda: "/usr/sbin/nginx"
    try:
        services = production.production_services(settings, ROOT / "var" / "run" / "nginx.conf")
    finally:
        production.nginx_binary = original
    return settings, {service.name.split("-")[0]: service for service in services}


def _dockerfile(service: str) -> str:
    return (ROOT / SERVICES[service]["build"]["dockerfile"]).read_text()


def _final_stage(text: str) -> str:
    return text.split("\nFROM ")[-1]


def _modules(argv: list[str]) -> list[str]:
    return [argv[i + 1] for i, part in enumerate(argv) if part == "-m"]


def _compose_command(service: str) -> str:
    """The shell command a container runs: compose turns "$$" into "$" (the container's shell expands it)."""
    return SERVICES[service]["command"][-1].replace("$$", "$")


def _compose_argv(service: str) -> list[str]:
    command = SERVICES[service]["command"]
    return shlex.split(_compose_command(service)) if command[0] == "sh" else command


def _options(argv: list[str]) -> set[str]:
    return {part.split("=")[0] for part in argv if part.startswith("--")}


def test_the_same_services_plus_the_shared_servers():
    assert set(SERVICES) == {"postgres", "redis", "nginx", "rasa", "actions", "handoff"}


def test_replicas_are_the_profiles(profile):
    settings, _ = profile
    for name in REPLICATED:
        assert SERVICES[name]["deploy"]["replicas"] == settings.HEARD_REPLICAS == 2, name


def test_only_nginx_is_published():
    assert [name for name, service in SERVICES.items() if service.get("ports")] == ["nginx"]


def test_every_service_has_a_health_check_and_a_restart_policy():
    for name, service in SERVICES.items():
        assert service.get("healthcheck", {}).get("test"), name
        assert service.get("restart") in ("unless-stopped", "always"), name


def test_rasas_health_check_waits_for_the_model():
    assert "model_id" in " ".join(SERVICES["rasa"]["healthcheck"]["test"])


@pytest.mark.parametrize("name", sorted(REPLICATED))
def test_same_modules_and_options_as_the_profile(profile, name):
    _, services = profile
    compose, machine = _compose_argv(name), services[name].argv
    assert _modules(machine)[-1] in _modules(compose)
    # The machine binds replicas to loopback (--interface/--host 127.0.0.1); a container binds 0.0.0.0.
    assert _options(machine) - {"--interface"} <= _options(compose)


def test_the_same_variable_names_as_the_profile(profile):
    settings, _ = profile
    machine = set(settings.child_env()) - MACHINE_ONLY
    channel_variables = set(re.findall(r"\$\{(\w+)\}", (ROOT / "credentials.yml").read_text()))
    assert machine <= set(APP_ENV), machine - set(APP_ENV)
    assert set(APP_ENV) <= machine | channel_variables, set(APP_ENV) - machine - channel_variables


def test_machine_only_variables_are_set_by_the_images():
    for dockerfile in ("docker/app.Dockerfile", "docker/rasa.Dockerfile"):
        final = _final_stage((ROOT / dockerfile).read_text())
        assert "OPENBLAS_NUM_THREADS=1" in final and "PYTHONUNBUFFERED=1" in final, dockerfile
    assert "HEARD_VAR_DIR=/app/var" in (ROOT / "docker/app.Dockerfile").read_text()


@pytest.mark.parametrize("service", sorted(STARTUP_READS))
def test_each_image_holds_what_its_service_reads_at_start(service):
    final = _final_stage(_dockerfile(service))
    copied = set()
    for line in final.splitlines():
        if line.startswith("COPY "):
            parts = [p for p in line.split()[1:] if not p.startswith("--")]
            sources, target = parts[:-1], parts[-1]
            copied |= {s.rstrip("/") for s in sources} | {target.rstrip("/")}
    for path in STARTUP_READS[service]:
        made = PRODUCED_BY.get(path)
        assert path in copied or any(path.startswith(c + "/") for c in copied) or (made and made in final), \
            f"{service} image lacks {path} ({STARTUP_READS[service][path]})"
        assert (ROOT / path).exists() or made, path


def test_the_rasa_image_gets_only_the_configured_channels():
    argv = _compose_argv("rasa")
    assert argv[:4] == ["python", "-m", "stack.channels", "/tmp/credentials.yml"]
    assert argv[argv.index("--credentials") + 1] == "/tmp/credentials.yml"
    assert "credentials.yml" not in " ".join(argv).replace("/tmp/credentials.yml", "")


def test_tokens_starting_with_a_dash_cannot_become_options():
    assert '--auth-token="$RASA_TOKEN"' in _compose_command("rasa")
    assert '--auth-token=\\"$RASA_TOKEN\\"' in _dockerfile("rasa")  # JSON-escaped quotes in CMD


def test_images_run_as_a_user_that_is_not_root():
    for service in ("rasa", "actions", "handoff"):
        final = _final_stage(_dockerfile(service))
        user = re.findall(r"^USER (\S+)", final, re.M)
        assert user and user[-1] not in ("root", "0"), service
        assert final.rindex("USER ") > final.rindex("RUN "), f"{service}: a RUN after USER would run as root"
    assert "unprivileged" in SERVICES["nginx"]["image"]


def test_nginx_gets_every_template_variable():
    template = (ROOT / "docker/nginx/heard.conf.template").read_text()
    needed = set(production.TEMPLATE_VARIABLE.findall(template))
    assert needed == set(SERVICES["nginx"]["environment"])
    mounted = SERVICES["nginx"]["volumes"][0].split(":")
    assert mounted[0] == "./docker/nginx/heard.conf.template" and mounted[1].startswith("/etc/nginx/templates/")


def test_internal_addresses_go_through_nginx_like_the_profile(profile):
    settings, _ = profile
    env = settings.child_env()
    for name in ("RASA_URL", "ACTION_SERVER_URL", "ACTION_ENDPOINT_URL", "EMOTION_SCORER_URL", "HANDOFF_URL"):
        assert env[name].replace(settings.internal_url, "http://nginx:8081") == APP_ENV[name], name


def test_the_browser_is_given_the_public_url_not_a_container_name():
    assert "HEARD_PUBLIC_URL" in APP_ENV["RASA_PUBLIC_URL"] and "rasa:" not in APP_ENV["RASA_PUBLIC_URL"]


def test_postgres_init_creates_the_profiles_role_and_databases(profile):
    settings, _ = profile
    init = (ROOT / "docker/postgres-init.sh").read_text()
    assert f"CREATE ROLE {settings.POSTGRES_USER} " in init
    for name in production.DATABASES:
        assert f"CREATE DATABASE {settings.database(name)} OWNER {settings.POSTGRES_USER};" in init
    for url in ("TRACKER_STORE_URL", "DATABASE_URL", "INSURANCE_DATABASE_URL"):
        assert APP_ENV[url].split("/")[-1] in init
