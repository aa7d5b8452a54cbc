"""Click-to-video: call set-up between the customer's browser and the assigned agent's console.

The service relays WebRTC signalling only (offer, answer, ICE candidates) between the two sides of
one ticket's room; the call itself is peer to peer. The first message on the socket must be
``{"type": "auth", "token": "..."}`` within ``HANDOFF_VIDEO_AUTH_TIMEOUT_SECONDS``: the customer's
per-ticket customer token, or the agent's short-lived stream token (``POST /api/v1/auth/stream-token``;
the agent must be the ticket's assigned agent). Tokens never travel in the URL, where proxies and
access logs would keep them. When both are in the room each side gets ``{"type": "ready"}`` and the
agent makes the offer. The two sides may be connected to different replicas: rooms live in
``handoff_service.video_rooms`` and travel on the event bus.

The same room carries ``{"type": "typing"}`` both ways while a person has the conversation (chat or video
tickets), so each side sees the other typing. The agent's console reports ``{"type": "call", "state": "started" | "ended"}``; the service writes
"Video call started/ended" into the ticket's messages and the customer's chat, once per call, and an
agent socket that goes away mid-call ends the call in both chats too.
"""
from __future__ import annotations

import asyncio
import json

from fastapi import APIRouter, WebSocket, WebSocketDisconnect, status

from handoff_service.api.deps import current_agent_id
from handoff_service.models import Ticket, TicketStatus
from handoff_service.runtime import Runtime
from handoff_service.security import verify_customer_token
from handoff_service.services.video_calls import CALL_TEXT, record_call
from handoff_service.video_rooms import send_quietly

router = APIRouter(prefix="/api/v1", tags=["video"])
MAX_SIGNAL_BYTES = 64 * 1024
MAX_TOKEN_CHARS = 1024
RELAYED = ("description", "candidate", "hangup", "rejoin", "typing")


def _role_for(runtime: Runtime, ticket_id: int, token: str) -> str | None:
    if verify_customer_token(runtime.signer, token, ticket_id, runtime.settings.customer_token_ttl_seconds):
        return "customer"
    with runtime.session() as session:
        agent_id = current_agent_id(runtime, session, token, "stream")  # expired, revoked or disabled: None
        ticket = session.get(Ticket, ticket_id) if agent_id is not None else None
        if ticket is None or ticket.status != TicketStatus.claimed or ticket.assigned_agent_id != agent_id:
            return None
    return "agent"


def _record_call(runtime: Runtime, ticket_id: int, state: str) -> None:
    with runtime.session() as session:
        record_call(session=session, ticket_id=ticket_id, state=state)
        session.commit()


async def _authenticate(socket: WebSocket, runtime: Runtime, ticket_id: int) -> str | None:
    try:
        raw = await asyncio.wait_for(socket.receive_text(), timeout=runtime.settings.video_auth_timeout_seconds)
        message = json.loads(raw) if len(raw) <= MAX_TOKEN_CHARS + 64 else None
    except (asyncio.TimeoutError, ValueError, WebSocketDisconnect, RuntimeError, KeyError):
        return None
    token = message.get("token") if isinstance(message, dict) and message.get("type") == "auth" else None
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_CHARS:
        return None
    # The database check runs in a worker thread: the event loop keeps serving every other call meanwhile.
    return await asyncio.to_thread(_role_for, runtime, ticket_id, token)


@router.websocket("/video/{ticket_id}/signal")
async def signal(socket: WebSocket, ticket_id: int) -> None:
    runtime: Runtime = socket.app.state.runtime
    await socket.accept()
    role = await _authenticate(socket, runtime, ticket_id)
    if role is None:
        await socket.close(code=status.WS_1008_POLICY_VIOLATION, reason="not allowed in this room")
        return
    member = await runtime.video.join(ticket_id, role, socket)
    in_call = False
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
            kind = message.get("type") if isinstance(message, dict) else None
            if kind == "call" and role == "agent" and message.get("state") in CALL_TEXT:
                # Written once per call, whatever the console reports twice.
                if (message["state"] == "started") != in_call:
                    in_call = message["state"] == "started"
                    await asyncio.to_thread(_record_call, runtime, ticket_id, message["state"])
                continue
            if kind not in RELAYED:
                await send_quietly(socket, {"type": "error", "message": "unknown signal type"})
                continue
            runtime.video.relay(member, message)
    except WebSocketDisconnect:
        pass
    finally:
        try:
            if in_call:
                # The console that went away mid-call may take this handler down with it (the server cancels it):
                # shielded, the end of the call is still written into both chats.
                await asyncio.shield(asyncio.to_thread(_record_call, runtime, ticket_id, "ended"))
        finally:
            runtime.video.leave(member)
