"""Live updates for agent consoles (Server-Sent Events)."""
from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from sse_starlette import EventSourceResponse

from handoff_service.api.deps import RuntimeDep, require_stream_agent
from handoff_service.api.responses import AUTH_ERRORS

router = APIRouter(prefix="/api/v1", tags=["agent console"])
PING_SECONDS = 15


@router.get(
    "/events",
    response_class=EventSourceResponse,
    responses={
        200: {
            "description": "text/event-stream of `ticket.created`, `ticket.message`, `ticket.status`, "
            "`agent.presence`, `ticket.delivery` (a delivery failed, is retrying or arrived after all), `ticket.attachment` (the customer sent a file) events, from every replica; `data` is JSON. Starts with a `ready` event; "
            "`resync` means events may have been missed (the shared bus reconnected): reload.",
            "content": {"text/event-stream": {"schema": {"type": "string"}}},
        },
        **AUTH_ERRORS,
    },
    summary="Live console updates (agent token header, or ?token= stream token)",
)
async def events(agent_id: Annotated[int, Depends(require_stream_agent)], runtime: RuntimeDep) -> EventSourceResponse:
    async def stream() -> AsyncIterator[dict[str, Any]]:
        async with runtime.bus.subscribe() as subscription:
            yield {"event": "ready", "data": json.dumps({"agent_id": agent_id}), "retry": 3000}
            async for event in subscription:
                yield {"event": event.type, "data": json.dumps(event.data)}

    return EventSourceResponse(stream(), ping=PING_SECONDS, headers={"Cache-Control": "no-store"})
