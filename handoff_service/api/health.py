"""Readiness probe: the supervisor and the load balancer poll it.

Only the database decides readiness: without Redis a replica still serves its own consoles and
customers, so taking every replica out of rotation when Redis is away would make things worse.
"""
from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from handoff_service.api.deps import RuntimeDep
from handoff_service.api.schemas import HealthOut

router = APIRouter(tags=["health"])


@router.get(
    "/health",
    response_model=HealthOut,
    responses={503: {"model": HealthOut, "description": "Database unreachable"}},
    summary="200 when the database answers",
)
def health(runtime: RuntimeDep) -> HealthOut | JSONResponse:
    try:
        with runtime.session() as session:
            session.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure means not ready
        body = HealthOut(status="unavailable", database=f"error: {exc.__class__.__name__}",
                         event_bus=runtime.bus.status())
        return JSONResponse(body.model_dump(), status_code=503)
    return HealthOut(status="ok", database="ok", event_bus=runtime.bus.status())
