"""The handoff side of bench/faults.py: customers handed over to an agent while replicas are killed.

Counted after recovery, each against what the other side acknowledged:
- **customer messages relayed to the agent lost**: written by a handed-over customer, answered 200 by Rasa,
  not in the ticket's messages (and, separately, how many of them were written while ``actions-1`` was down);
- **agent replies lost**: accepted by the handoff API, not in the customer's Rasa tracker;
- **tickets lost or duplicated**: a customer whose request for a person was acknowledged (the handoff began, or
  "we've kept your request") must end with exactly one ticket.
"""
from __future__ import annotations

import asyncio
import os
import secrets
import subprocess
import time
import uuid
from dataclasses import dataclass, field

import httpx

ASK = "I need to speak to a person"
ACCEPT_CHAT = '/handoff_accept{"handoff_mode":"chat"}'


def _handoff_began(replies: list[dict]) -> bool:
    for reply in replies:
        custom = reply.get("custom") or {}
        if isinstance(custom, dict) and isinstance(custom.get("data"), dict) and "handoff" in custom["data"]:
            return True
        if "kept your request" in (reply.get("text") or ""):
            return True  # the handoff service was away: the action server's outbox creates the ticket later
    return False


@dataclass
class HandoffSide:
    base_url: str
    waiting: int = 4  # customers handed over before the faults, writing to their agent throughout
    late_every: float = 10.0  # seconds between new requests for a person during the faults
    acknowledged_requests: list[str] = field(default_factory=list)
    relayed: dict[str, list[tuple[float, str]]] = field(default_factory=dict)  # sender → (sent at, text)
    replies: dict[str, list[str]] = field(default_factory=dict)  # sender → agent replies the API accepted
    tickets: dict[str, int] = field(default_factory=dict)  # sender → claimed ticket id
    errors: list[str] = field(default_factory=list)
    token: str = ""
    rest_headers: dict[str, str] = field(default_factory=dict)  # the REST channel's token in production

    def create_agent(self, env: dict[str, str], python: str, root: str) -> tuple[str, str]:
        email, password = f"faults-{uuid.uuid4().hex[:6]}@heard.example", secrets.token_urlsafe(18)
        subprocess.run([python, "-m", "handoff_service.cli", "create-agent", "--name", "Fault Bench", "--email", email,
                        "--password", password], cwd=root, env={**os.environ, **env}, check=True, capture_output=True,
                       timeout=120)
        return email, password

    async def log_in(self, client: httpx.AsyncClient, email: str, password: str) -> None:
        response = await client.post(f"{self.base_url}/api/v1/auth/login", json={"email": email, "password": password})
        response.raise_for_status()
        self.token = response.json()["access_token"]
        (await client.put(f"{self.base_url}/api/v1/agents/me/presence", json={"presence": "online"},
                          headers=self._auth())).raise_for_status()

    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    async def _say(self, client: httpx.AsyncClient, sender: str, text: str) -> list[dict] | None:
        try:
            response = await client.post(f"{self.base_url}/webhooks/rest/webhook", json={"sender": sender, "message": text},
                                         headers=self.rest_headers)
        except httpx.HTTPError as error:
            self.errors.append(f"customer {type(error).__name__}")
            return None
        if response.status_code != 200:
            self.errors.append(f"customer {response.status_code}")
            return None
        return response.json()

    async def request_person(self, client: httpx.AsyncClient) -> str | None:
        sender = f"rest:handoff-{uuid.uuid4().hex[:10]}"  # the conversation id (REST ids are namespaced)
        if await self._say(client, sender, ASK) is None:
            return None
        replies = await self._say(client, sender, ACCEPT_CHAT)
        if replies is not None and _handoff_began(replies):
            self.acknowledged_requests.append(sender)
            return sender
        return None

    async def prepare(self, client: httpx.AsyncClient) -> None:
        """Hands ``waiting`` customers over and claims their tickets, before any fault."""
        senders = [s for s in await asyncio.gather(*(self.request_person(client) for _ in range(self.waiting))) if s]
        deadline = time.monotonic() + 120
        while len(self.tickets) < len(senders) and time.monotonic() < deadline:
            response = await client.post(f"{self.base_url}/api/v1/queue/claim-next", headers=self._auth())
            if response.status_code == 200:
                ticket = response.json()
                self.tickets[ticket["conversation_id"]] = ticket["id"]
            else:
                await asyncio.sleep(0.5)
        for sender in self.tickets:
            self.relayed[sender], self.replies[sender] = [], []

    async def run(self, client: httpx.AsyncClient, seconds: float) -> None:
        deadline = time.monotonic() + seconds

        async def customer(sender: str) -> None:
            n = 0
            while time.monotonic() < deadline:
                text, sent_at = f"still waiting, note {n}", time.time()
                replies = await self._say(client, sender, text)
                if replies is not None:
                    self.relayed[sender].append((sent_at, text))
                n += 1
                await asyncio.sleep(2)

        async def agent(sender: str, ticket_id: int) -> None:
            n = 0
            while time.monotonic() < deadline:
                text = f"agent reply {n} to {sender[-4:]}"
                try:
                    response = await client.post(f"{self.base_url}/api/v1/tickets/{ticket_id}/replies",
                                                 json={"text": text}, headers=self._auth())
                    if response.status_code in (200, 201):
                        self.replies[sender].append(text)
                    else:
                        self.errors.append(f"agent {response.status_code}")
                except httpx.HTTPError as error:
                    self.errors.append(f"agent {type(error).__name__}")
                n += 1
                await asyncio.sleep(3)

        async def late_requests() -> None:
            while time.monotonic() + self.late_every < deadline:
                await asyncio.sleep(self.late_every)
                await self.request_person(client)

        await asyncio.gather(*(customer(s) for s in self.tickets), *(agent(s, t) for s, t in self.tickets.items()),
                             late_requests())

    def count(self, handoff_db_url: str, rasa_url: str, rasa_token: str, actions_down: tuple[float, float]) -> dict:
        import psycopg

        with psycopg.connect(handoff_db_url) as db:
            tickets = dict(db.execute("SELECT conversation_id, count(*) FROM tickets WHERE conversation_id = ANY(%s) "
                                      "GROUP BY conversation_id", (self.acknowledged_requests,)).fetchall())
            received = {}
            for sender, ticket_id in self.tickets.items():
                rows = db.execute("SELECT text FROM messages WHERE ticket_id = %s AND sender = 'customer'",
                                  (ticket_id,)).fetchall()
                received[sender] = [row[0] for row in rows]
        relayed_lost = relayed_lost_while_down = duplicated_relays = 0
        for sender, sent in self.relayed.items():
            for sent_at, text in sent:
                copies = received[sender].count(text)
                duplicated_relays += max(0, copies - 1)
                if copies == 0:
                    relayed_lost += 1
                    relayed_lost_while_down += int(actions_down[0] <= sent_at <= actions_down[1])
        replies_lost = 0
        with httpx.Client(timeout=60) as client:
            for sender, texts in self.replies.items():
                events = client.get(f"{rasa_url}/conversations/{sender}/tracker", params={"token": rasa_token}).json()
                said = " ".join(e.get("text") or "" for e in events["events"] if e["event"] == "bot")
                replies_lost += len([text for text in texts if text not in said])
        return {
            "relayed": sum(len(v) for v in self.relayed.values()),
            "relayed_while_actions_down": sum(actions_down[0] <= t <= actions_down[1]
                                              for v in self.relayed.values() for t, _ in v),
            "relayed_lost": relayed_lost, "relayed_lost_while_actions_down": relayed_lost_while_down,
            "relayed_twice": duplicated_relays,
            "replies": sum(len(v) for v in self.replies.values()), "replies_lost": replies_lost,
            "requests_acknowledged": len(self.acknowledged_requests),
            "tickets_lost": len([s for s in self.acknowledged_requests if tickets.get(s, 0) == 0]),
            "tickets_duplicated": len([s for s in self.acknowledged_requests if tickets.get(s, 0) > 1]),
            "errors": self.errors,
        }
