"""Client for the handoff service's bot-side API (service token, short timeouts).

Every call raises :class:`HandoffUnavailable` when the service cannot be reached or fails on its
side, so callers can keep the request and retry, and :class:`HandoffRejected` when the service
understood and refused it (a 4xx), which retrying would not fix.
"""
from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx

from actions import config


class HandoffUnavailable(Exception):
    """The handoff service is down, slow or failing (retry later)."""


class HandoffRejected(Exception):
    """The handoff service refused the request (do not retry)."""

    def __init__(self, status: int, detail: Any) -> None:
        # The message (logged) names the status and, for a 422, the fields; never the values sent.
        super().__init__(f"handoff service answered {status}{_fields(detail)}")
        self.status = status
        self.detail = detail


def _fields(detail: Any) -> str:
    if isinstance(detail, dict) and isinstance(detail.get("detail"), list):
        where = [".".join(map(str, e.get("loc", []))) for e in detail["detail"] if isinstance(e, dict)]
        return f" (invalid: {', '.join(where[:5])})" if where else ""
    if isinstance(detail, dict) and isinstance(detail.get("detail"), str) and len(detail["detail"]) <= 120:
        return f": {detail['detail']}"
    return ""


class HandoffClient:
    def __init__(self, base_url: str = config.HANDOFF_URL, token: str = config.HANDOFF_SERVICE_TOKEN,
                 timeout: float = config.HANDOFF_TIMEOUT_SECONDS) -> None:
        self._base_url = base_url
        self._headers = {"Authorization": f"Bearer {token}"}
        self._timeout = httpx.Timeout(timeout, connect=min(timeout, 2.0))

    async def _request(self, method: str, path: str, json: Any = None) -> dict[str, Any]:
        try:
            async with httpx.AsyncClient(base_url=self._base_url, headers=self._headers,
                                         timeout=self._timeout) as client:
                response = await client.request(method, path, json=json)
        except httpx.HTTPError as error:
            raise HandoffUnavailable(f"{method} {path}: {error!r}") from error
        if response.status_code >= 500:
            raise HandoffUnavailable(f"{method} {path}: {response.status_code}")
        if response.status_code >= 400:
            try:
                detail = response.json()
            except ValueError:
                detail = response.text[:500]
            raise HandoffRejected(response.status_code, detail)
        return response.json()

    async def create_ticket(self, ticket: dict[str, Any]) -> dict[str, Any]:
        return await self._request("POST", "/api/v1/tickets", ticket)

    async def open_ticket(self, conversation_id: str) -> dict[str, Any] | None:
        try:
            return await self._request("GET", f"/api/v1/conversations/{_quote(conversation_id)}/ticket")
        except HandoffRejected as rejected:
            if rejected.status == 404:
                return None
            raise

    async def availability(self) -> dict[str, Any]:
        return await self._request("GET", "/api/v1/availability")

    async def relay_customer_message(self, conversation_id: str, text: str, external_id: str,
                                     acknowledge: bool = True, urgent_notice: str | None = None,
                                     emotion: dict[str, Any] | None = None) -> dict[str, Any]:
        # emotion: intensity / emotion / band the scorer read, so the agent's timeline grows with each message.
        return await self._request("POST", f"/api/v1/conversations/{_quote(conversation_id)}/messages",
                                   {"text": text, "external_id": external_id, "acknowledge": acknowledge,
                                    "urgent_notice": urgent_notice,
                                    **{k: v for k, v in (emotion or {}).items() if v is not None}})

    async def abandon(self, conversation_id: str) -> dict[str, Any]:
        return await self._request("POST", f"/api/v1/conversations/{_quote(conversation_id)}/abandon")

    async def request_callback(self, ticket_id: int, phone: str, preferred_time: str | None) -> dict[str, Any]:
        return await self._request("POST", f"/api/v1/tickets/{ticket_id}/callback",
                                   {"phone": phone, "preferred_time": preferred_time})

    async def store_survey(self, conversation_id: str, score: int, comment: str | None,
                           ticket_id: int | None = None) -> dict[str, Any]:
        return await self._request("POST", "/api/v1/surveys",
                                   {"conversation_id": conversation_id, "ticket_id": ticket_id,
                                    "score": score, "comment": comment})


def _quote(value: str) -> str:
    return quote(value, safe="")
