"""Video call rooms that span replicas: the customer may be connected to one, the agent to another.

Each replica keeps only its own WebSockets (``(ticket_id, role) -> member``); who is in a room and the
signals themselves travel on the event bus's ``video`` topic, which every replica (this one included)
reads in publish order:

- ``join`` (ticket, role, conn): a member of the other role, wherever it is, answers ``present`` and
  both sides get ``{"type": "ready"}`` once per peer connection (the agent then makes the offer). A
  member of the same role is closed: a newer connection replaced it.
- ``signal`` (ticket, to_role, message): forwarded by the replica that holds that role's socket.
- ``left`` (ticket, role, conn): the peer hears ``peer-left``.
The call itself is peer to peer; the service only relays the set-up.
"""
from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from typing import Any

from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from handoff_service.events import VIDEO, Event, EventBus

log = logging.getLogger("handoff_service.video")
ROLES = ("customer", "agent")
POLICY_VIOLATION = 1008


def other_role(role: str) -> str:
    return "agent" if role == "customer" else "customer"


@dataclass
class Member:
    ticket_id: int
    role: str
    socket: WebSocket
    conn: str
    peer_conn: str | None = None
    replaced: bool = False


class VideoRooms:
    def __init__(self, bus: EventBus) -> None:
        self._bus = bus
        self._members: dict[tuple[int, str], Member] = {}

    def _publish(self, kind: str, **data: Any) -> None:
        self._bus.publish(Event(kind, data, VIDEO))

    async def join(self, ticket_id: int, role: str, socket: WebSocket) -> Member:
        member = Member(ticket_id, role, socket, uuid.uuid4().hex)
        previous = self._members.get((ticket_id, role))
        self._members[(ticket_id, role)] = member
        if previous is not None:
            await self._replace(previous)
        self._publish("join", ticket_id=ticket_id, role=role, conn=member.conn)
        return member

    def relay(self, member: Member, message: dict[str, Any]) -> None:
        self._publish("signal", ticket_id=member.ticket_id, to_role=other_role(member.role), message=message)

    def leave(self, member: Member) -> None:
        if self._members.get((member.ticket_id, member.role)) is member:
            del self._members[(member.ticket_id, member.role)]
        if not member.replaced:
            self._publish("left", ticket_id=member.ticket_id, role=member.role, conn=member.conn)

    async def serve(self) -> None:
        """Read the bus's video topic for as long as the service runs."""
        async with self._bus.subscribe(VIDEO) as subscription:
            async for event in subscription:
                try:
                    await self._on_event(event)
                except (KeyError, TypeError, ValueError):
                    log.warning("ignoring a malformed video event %r", event.type)

    async def _on_event(self, event: Event) -> None:
        data = event.data
        ticket_id = int(data["ticket_id"])
        if event.type == "join":
            same = self._members.get((ticket_id, data["role"]))
            if same is not None and same.conn != data["conn"]:
                await self._replace(same)
            peer = self._members.get((ticket_id, other_role(data["role"])))
            if peer is not None and await self._meet(peer, data["conn"]):
                self._publish("present", ticket_id=ticket_id, role=peer.role, conn=peer.conn, to_conn=data["conn"])
        elif event.type == "present":
            mine = self._members.get((ticket_id, other_role(data["role"])))
            if mine is not None and mine.conn == data["to_conn"]:
                await self._meet(mine, data["conn"])
        elif event.type == "signal":
            target = self._members.get((ticket_id, data["to_role"]))
            if target is not None and isinstance(data["message"], dict):
                await send_quietly(target.socket, data["message"])
        elif event.type == "left":
            peer = self._members.get((ticket_id, other_role(data["role"])))
            if peer is not None and peer.peer_conn == data["conn"]:
                peer.peer_conn = None
                await send_quietly(peer.socket, {"type": "peer-left"})

    async def _meet(self, member: Member, peer_conn: str) -> bool:
        """Tell ``member`` its peer is there, once per peer connection; False if it already knew."""
        if member.peer_conn == peer_conn:
            return False
        member.peer_conn = peer_conn
        await send_quietly(member.socket, {"type": "ready"})
        return True

    async def _replace(self, member: Member) -> None:
        member.replaced = True
        if self._members.get((member.ticket_id, member.role)) is member:
            del self._members[(member.ticket_id, member.role)]
        try:
            await member.socket.close(code=POLICY_VIOLATION, reason="replaced by a newer connection")
        except RuntimeError:
            pass

    @property
    def member_count(self) -> int:
        return len(self._members)


async def send_quietly(socket: WebSocket, message: dict[str, Any]) -> None:
    if socket.application_state != WebSocketState.CONNECTED:
        return
    try:
        await socket.send_text(json.dumps(message))
    except (RuntimeError, WebSocketDisconnect, OSError):
        pass
