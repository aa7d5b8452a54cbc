"""The committed OpenAPI spec matches the code; the Alembic migrations match the models (both backends)."""
from __future__ import annotations

import json

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect

from handoff_service.cli import OPENAPI_PATH, generated_openapi_text
from handoff_service.models import Base


def test_committed_openapi_matches_the_generated_one() -> None:
    assert OPENAPI_PATH.exists(), "run: .venv/bin/python -m handoff_service.cli export-openapi"
    committed = OPENAPI_PATH.read_text(encoding="utf-8")
    assert committed == generated_openapi_text(), (
        "handoff_service/openapi.json is stale; regenerate with: .venv/bin/python -m handoff_service.cli export-openapi"
    )


def test_spec_has_real_response_models() -> None:
    spec = json.loads(OPENAPI_PATH.read_text(encoding="utf-8"))
    create = spec["paths"]["/api/v1/tickets"]["post"]["responses"]
    assert create["201"]["content"]["application/json"]["schema"]["$ref"].endswith("/TicketCreatedOut")
    assert {"401", "422"} <= set(create)
    claim = spec["paths"]["/api/v1/tickets/{ticket_id}/claim"]["post"]["responses"]
    assert {"200", "401", "404", "409"} <= set(claim)


def test_migrations_match_the_models(shared_engine: Engine) -> None:
    with shared_engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
        indexes = {ix["name"]: ix for ix in inspect(connection).get_indexes("tickets")}
    assert diff == [], f"models and migrations differ: {diff}"
    open_index = indexes["uq_tickets_open_conversation"]
    assert open_index["unique"] and open_index["column_names"] == ["conversation_id"]
