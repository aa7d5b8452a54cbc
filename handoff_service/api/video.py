"""Click-to-video: call set-up between the customer's browser and the assigned agent's console.

The service relays WebRTC signalling only (offer, answer, ICE candidates) between the two sides of
one ticket's room; the call itself is peer to peer. The customer joins with their per-ticket
customer token, the agent with a short-lived stream token (``POST /api/v1/auth/stream-token``) and
must be the ticket's assigned agent. When both are in the room each side gets ``{"type": "ready"}``
and the agent makes the offer.
"""
from __future__ import annotations

import asyncio
import json
import logging

from fastapi import APIRouter, WebSocket, WebSocketDisconnect, status

from handoff_service.models import Ticket, TicketStatus
from handoff_service.runtime import Runtime

log = logging.getLogger("handoff_service.video")
router = APIRouter(prefix="/api/v1", tags=["video"])
MAX_SIGNAL_BYTES = 64 * 1024
ROLES = ("customer", "agent")


class Rooms:
    """Who is in each ticket's room (one process; a deployment with several uses sticky routing)."""

    def __init__(self) -> None:
        self._rooms: dict[int, dict[str, WebSocket]] = {}
        self._lock = asyncio.Lock()

    async def join(self, ticket_id: int, role: str, socket: WebSocket) -> None:
        async with self._lock:
            room = self._rooms.setdefault(ticket_id, {})
            previous = room.get(role)
            room[role] = socket
            full = all(r in room for r in ROLES)
        if previous is not None:
            await _close_quietly(previous, "replaced by a newer connection")
        if full:
            for peer in list(room.values()):
                await _send_quietly(peer, {"type": "ready"})

    async def leave(self, ticket_id: int, role: str, socket: WebSocket) -> None:
        async with self._lock:
            room = self._rooms.get(ticket_id, {})
            if room.get(role) is socket:
                del room[role]
            other = next(iter(room.values()), None)
            if not room:
                self._rooms.pop(ticket_id, None)
        if other is not None:
            await _send_quietly(other, {"type": "peer-left"})

    def other(self, ticket_id: int, role: str) -> WebSocket | None:
        return self._rooms.get(ticket_id, {}).get("agent" if role == "customer" else "customer")


ROOMS = Rooms()


async def _send_quietly(socket: WebSocket, message: dict) -> None:
    try:
        await socket.send_text(json.dumps(message))
    except (RuntimeError, WebSocketDisconnect):
        pass


async def _close_quietly(socket: WebSocket, reason: str) -> None:
    try:
        await socket.close(code=status.WS_1008_POLICY_VIOLATION, reason=reason)
    except RuntimeError:
        pass


def _role_for(runtime: Runtime, ticket_id: int, token: str) -> str | None:
    customer = runtime.signer.verify("customer", token, None)
    if customer is not None:
        return "customer" if customer.subject == ticket_id else None
    agent = runtime.signer.verify("stream", token, runtime.settings.stream_token_ttl_seconds)
    if agent is None:
        return None
    with runtime.session() as session:
        ticket = session.get(Ticket, ticket_id)
        if ticket is None or ticket.status != TicketStatus.claimed or ticket.assigned_agent_id != agent.subject:
            return None
    return "agent"


@router.websocket("/video/{ticket_id}/signal")
async def signal(socket: WebSocket, ticket_id: int, token: str = "") -> None:
    runtime: Runtime = socket.app.state.runtime
    role = _role_for(runtime, ticket_id, token) if token else None
    if role is None:
        await socket.close(code=status.WS_1008_POLICY_VIOLATION, reason="not allowed in this room")
        return
    await socket.accept()
    await ROOMS.join(ticket_id, role, socket)
    try:
        while True:
            raw = await socket.receive_text()
            if len(raw.encode()) > MAX_SIGNAL_BYTES:
                await _send_quietly(socket, {"type": "error", "message": "signal too large"})
                continue
            try:
                message = json.loads(raw)
            except ValueError:
                await _send_quietly(socket, {"type": "error", "message": "signal must be JSON"})
                continue
            if not isinstance(message, dict) or message.get("type") not in ("description", "candidate", "hangup"):
                await _send_quietly(socket, {"type": "error", "message": "unknown signal type"})
                continue
            peer = ROOMS.other(ticket_id, role)
            if peer is not None:
                await _send_quietly(peer, message)
    except WebSocketDisconnect:
        pass
    finally:
        await ROOMS.leave(ticket_id, role, socket)
