"""FastAPI application factory: routers, error mapping, body limit, background tasks."""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session, sessionmaker
from starlette.exceptions import HTTPException as StarletteHTTPException

from handoff_service.api import (agents, attachments, bot, chat_session, console_api, console_tools, customer, dashboard,
                                  events, health, video)
from handoff_service.config import SETTINGS, Settings, docs_exposed
from handoff_service.console import router as console_router
from handoff_service.db import make_engine, make_session_factory
from handoff_service.events import EventBus, make_event_bus
from handoff_service.headers import SecurityHeadersMiddleware
from handoff_service.limits import BodySizeLimitMiddleware
from handoff_service.maintenance import run_maintenance_forever, run_queue_updates_forever
from handoff_service.rasa_client import RasaClient
from handoff_service.reconcile import run_reconcile_forever
from handoff_service.retention import run_retention_forever
from handoff_service.runtime import Runtime
from handoff_service.security import TokenSigner
from handoff_service.services.errors import Conflict, Forbidden, NotFound, ServiceError, UnknownAgent

log = logging.getLogger("handoff_service")
API_VERSION = "1.0.0"
_STATUS_FOR_ERROR: dict[type[ServiceError], int] = {NotFound: 404, Conflict: 409, Forbidden: 403, UnknownAgent: 401}


async def _service_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ServiceError)
    status_code = _STATUS_FOR_ERROR.get(type(exc), 400)
    headers = {"WWW-Authenticate": "Bearer"} if status_code == 401 else None
    return JSONResponse({"detail": exc.message}, status_code=status_code, headers=headers)


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    first = errors[0] if errors else {}
    if first.get("type") == "json_invalid":
        message = f"Request body is not valid JSON: {(first.get('ctx') or {}).get('error', 'decode error')}"
    else:
        where = ".".join(str(part) for part in first.get("loc", ()))
        message = f"Invalid request: {where}: {first.get('msg', 'invalid value')}"
    # The offending input is not echoed back: it may be huge, or not representable in JSON (NaN).
    detail = [
        {
            "type": e.get("type"),
            "loc": [str(part) for part in e.get("loc", ())],
            "msg": e.get("msg"),
            **({"ctx": {k: str(v) for k, v in e["ctx"].items()}} if e.get("ctx") else {}),
        }
        for e in errors
    ]
    return JSONResponse({"detail": detail, "message": message}, status_code=422)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 400 and exc.detail == "There was an error parsing the body":
        # FastAPI's answer to a body that is not UTF-8: same shape as any other malformed JSON.
        detail = [{"type": "json_invalid", "loc": ["body"], "msg": "JSON decode error"}]
        return JSONResponse({"detail": detail, "message": "Request body is not valid JSON (UTF-8)"}, status_code=422)
    return await http_exception_handler(request, exc)  # type: ignore[arg-type]


def build_runtime(
    settings: Settings,
    *,
    session_factory: sessionmaker[Session] | None = None,
    bus: EventBus | None = None,
    rasa_transport: Any = None,
) -> Runtime:
    engine = None
    if session_factory is None:
        engine = make_engine(settings.database_url)
        session_factory = make_session_factory(engine)
    return Runtime(
        settings=settings,
        session_factory=session_factory,
        bus=bus or make_event_bus(settings.event_bus_url, prefix=settings.event_bus_prefix,
                                  timeout_seconds=settings.event_bus_timeout_seconds,
                                  reconnect_max_seconds=settings.event_bus_reconnect_max_seconds),
        signer=TokenSigner(settings.secret_key),
        rasa=RasaClient(settings.rasa_url, settings.rasa_token, settings.rasa_timeout_seconds, transport=rasa_transport),
        engine=engine,
    )


def create_app(settings: Settings = SETTINGS, *, runtime: Runtime | None = None) -> FastAPI:
    runtime = runtime or build_runtime(settings)

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await runtime.bus.start()
        tasks: list[asyncio.Task[None]] = [asyncio.create_task(runtime.video.serve(), name="handoff-video-rooms")]
        if runtime.settings.run_background_tasks:
            tasks.append(asyncio.create_task(runtime.worker.run_forever(), name="handoff-outbox"))
            tasks.append(asyncio.create_task(run_maintenance_forever(runtime), name="handoff-maintenance"))
            tasks.append(asyncio.create_task(run_queue_updates_forever(runtime), name="handoff-queue-updates"))
            tasks.append(asyncio.create_task(run_retention_forever(runtime), name="handoff-retention"))
            # The relay is the fast path; this imports what it lost (a Rasa replica that died mid-retry).
            tasks.append(asyncio.create_task(run_reconcile_forever(runtime), name="handoff-reconcile"))
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await runtime.bus.aclose()
            await runtime.rasa.aclose()
            if runtime.engine is not None:
                runtime.engine.dispose()

    app = FastAPI(
        title="Heard handoff service",
        version=API_VERSION,
        description=(
            "Human queue, tickets, agents and delivery back to the customer. Bot endpoints take the "
            "service token, console endpoints an agent token (POST /api/v1/auth/login), the status "
            "endpoint also a per-ticket customer token. Text is plain text, returned raw: escape it "
            "when rendering HTML."
        ),
        lifespan=lifespan,
        # Production serves no interactive docs unless HANDOFF_EXPOSE_DOCS=true (the spec is in openapi.json).
        **({} if docs_exposed(runtime.settings) else {"docs_url": None, "redoc_url": None, "openapi_url": None}),
    )
    app.state.runtime = runtime
    app.add_middleware(BodySizeLimitMiddleware, max_body_bytes=runtime.settings.max_body_bytes,
                       path_limits=(attachments.upload_limit(runtime),))
    if runtime.settings.widget_origin_list:
        app.add_middleware(attachments.WidgetUploadCORS, origins=runtime.settings.widget_origin_list)
    # Added last, so it is outermost: the 413 of the body limit and every error carry the headers too.
    app.add_middleware(SecurityHeadersMiddleware, settings=runtime.settings)
    for error_cls in (NotFound, Conflict, Forbidden, UnknownAgent, ServiceError):
        app.add_exception_handler(error_cls, _service_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    for router in (health.router, bot.router, agents.router, console_api.router, console_tools.router,
                   dashboard.router, events.router, console_router,
                   customer.router, video.router, attachments.router, chat_session.router):
        app.include_router(router)
    customer.mount_chat_page(app)
    return app
