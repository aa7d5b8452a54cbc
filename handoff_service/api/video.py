"""Click-to-video: call set-up between the customer's browser and the assigned agent's console.

The service relays WebRTC signalling only (offer, answer, ICE candidates) between the two sides of
one ticket's room; the call itself is peer to peer. The customer joins with their per-ticket
customer token, the agent with a short-lived stream token (``POST /api/v1/auth/stream-token``) and
must be the ticket's assigned agent. When both are in the room each side gets ``{"type": "ready"}``
and the agent makes the offer. The two sides may be connected to different replicas: rooms live in
``handoff_service.video_rooms`` and travel on the event bus.
"""
from __future__ import annotations

import asyncio
import json

from fastapi import APIRouter, WebSocket, WebSocketDisconnect, status

from handoff_service.api.deps import current_agent_id
from handoff_service.models import Ticket, TicketStatus
from handoff_service.runtime import Runtime
from handoff_service.security import verify_customer_token
from handoff_service.video_rooms import send_quietly

router = APIRouter(prefix="/api/v1", tags=["video"])
MAX_SIGNAL_BYTES = 64 * 1024


def _role_for(runtime: Runtime, ticket_id: int, token: str) -> str | None:
    if verify_customer_token(runtime.signer, token, ticket_id, runtime.settings.customer_token_ttl_seconds):
        return "customer"
    with runtime.session() as session:
        agent_id = current_agent_id(runtime, session, token, "stream")  # expired, revoked or disabled: None
        ticket = session.get(Ticket, ticket_id) if agent_id is not None else None
        if ticket is None or ticket.status != TicketStatus.claimed or ticket.assigned_agent_id != agent_id:
            return None
    return "agent"


@router.websocket("/video/{ticket_id}/signal")
async def signal(socket: WebSocket, ticket_id: int, token: str = "") -> None:
    runtime: Runtime = socket.app.state.runtime
    # The database check runs in a worker thread: the event loop keeps serving every other call meanwhile.
    role = await asyncio.to_thread(_role_for, runtime, ticket_id, token) if token else None
    if role is None:
        await socket.close(code=status.WS_1008_POLICY_VIOLATION, reason="not allowed in this room")
        return
    await socket.accept()
    member = await runtime.video.join(ticket_id, role, socket)
    try:
        while True:
            raw = await socket.receive_text()
            if len(raw.encode()) > MAX_SIGNAL_BYTES:
                await send_quietly(socket, {"type": "error", "message": "signal too large"})
                continue
            try:
                message = json.loads(raw)
            except ValueError:
                await send_quietly(socket, {"type": "error", "message": "signal must be JSON"})
                continue
            if not isinstance(message, dict) or message.get("type") not in ("description", "candidate", "hangup"):
                await send_quietly(socket, {"type": "error", "message": "unknown signal type"})
                continue
            runtime.video.relay(member, message)
    except WebSocketDisconnect:
        pass
    finally:
        runtime.video.leave(member)
