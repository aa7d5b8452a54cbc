"""docker-compose.yml is checked here because this machine has no Docker engine to run it."""
from __future__ import annotations

import re

import pytest
import yaml

from tests.conftest import ROOT

COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
REQUIRED_VARIABLE = re.compile(r"\$\{(\w+):\?")


def test_every_service_has_an_image_or_a_dockerfile_that_exists():
    for name, service in SERVICES.items():
        build = service.get("build")
        assert service.get("image") or build, name
        if build:
            assert (ROOT / build["context"] / build["dockerfile"]).is_file(), name


def test_dependencies_exist_and_wait_for_health():
    for name, service in SERVICES.items():
        for dependency, rule in (service.get("depends_on") or {}).items():
            assert dependency in SERVICES, f"{name} depends on unknown {dependency}"
            if rule.get("condition") == "service_healthy":
                assert "healthcheck" in SERVICES[dependency], f"{dependency} has no healthcheck"


def test_required_secrets_are_documented_in_env_example():
    documented = set(re.findall(r"^#?\s*(\w+)=", (ROOT / ".env.example").read_text(), re.M))
    required = set(REQUIRED_VARIABLE.findall((ROOT / "docker-compose.yml").read_text()))
    assert required, "compose should refuse to start without its secrets"
    assert required <= documented, required - documented


@pytest.mark.parametrize("service", ["actions", "handoff"])
def test_python_services_run_modules_that_exist(service):
    command = " ".join(SERVICES[service]["command"])
    for module in re.findall(r"python -m ([\w.]+)", command):
        path = ROOT / module.replace(".", "/")
        assert path.with_suffix(".py").is_file() or (path / "__main__.py").is_file(), module


def test_rasa_uses_the_production_endpoints_and_a_token():
    rasa = SERVICES["rasa"]
    assert rasa["environment"]["RASA_ENDPOINTS"] == "endpoints.production.yml"
    assert (ROOT / "endpoints.production.yml").is_file()
    dockerfile = (ROOT / "docker" / "rasa.Dockerfile").read_text()
    assert "--auth-token" in dockerfile and "--enable-api" in dockerfile


def test_production_endpoints_use_redis_locks_and_sql_tracker():
    endpoints = yaml.safe_load((ROOT / "endpoints.production.yml").read_text())
    assert endpoints["lock_store"]["type"] == "redis"
    assert endpoints["tracker_store"]["type"] == "SQL"


def test_rasa_image_trains_on_the_sentence_encoder_exported_in_its_first_stage():
    dockerfile = (ROOT / "docker" / "rasa.Dockerfile").read_text()
    export = re.search(r"RUN python -m ([\w.]+) --dir (\S+)", dockerfile)
    assert export and (ROOT / export.group(1).replace(".", "/")).with_suffix(".py").is_file()
    copy = re.search(r"COPY --from=(\S+) (\S+) var/nlu-encoder", dockerfile)
    assert copy and copy.group(2) == export.group(2) and f"AS {copy.group(1)}" in dockerfile
    assert dockerfile.index(copy.group(0)) < dockerfile.index("rasa train")
    # Rasa's side finds it at var/nlu-encoder under the image's WORKDIR (rasa_addons/settings.py's default).
    assert "WORKDIR /app" in dockerfile.split("FROM python:3.10")[1]
