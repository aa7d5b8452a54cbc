"""Rasa's HTTP API, as used to reach the customer: append events, trigger an intent, read the tracker."""
from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx

RETRYABLE_STATUS = {408, 425, 429}


class RasaError(Exception):
    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


def _reason(response: httpx.Response) -> str:
    """Rasa's error code (``reason``, e.g. "BadRequest"), never its message: that can quote the events sent, i.e.
    what an agent or a customer wrote, and this string is logged and kept as the delivery's last error."""
    try:
        reason = response.json().get("reason")
    except (ValueError, AttributeError):
        return ""
    return f" ({reason[:60]})" if isinstance(reason, str) and reason.isprintable() else ""


class RasaClient:
    def __init__(self, base_url: str, token: str, timeout_seconds: float, transport: Any = None) -> None:
        self._base_url = base_url.rstrip("/")
        self._token = token
        self._client = httpx.AsyncClient(timeout=httpx.Timeout(timeout_seconds), transport=transport)

    async def aclose(self) -> None:
        await self._client.aclose()

    def _url(self, conversation_id: str, suffix: str) -> str:
        # ':', '@', '+' stay as they are: Rasa's routes do not unquote, and sender ids are namespaced ("rest:…").
        return f"{self._base_url}/conversations/{quote(conversation_id, safe=':@+')}/{suffix}"

    def _params(self, **extra: str) -> dict[str, str]:
        params = dict(extra)
        if self._token:
            params["token"] = self._token
        return params

    async def _request(self, method: str, url: str, *, params: dict[str, str], json: Any = None) -> httpx.Response:
        try:
            response = await self._client.request(method, url, params=params, json=json)
        except httpx.HTTPError as exc:
            raise RasaError(f"Rasa unreachable: {exc.__class__.__name__}: {exc}", retryable=True) from exc
        if response.status_code >= 400:
            retryable = response.status_code >= 500 or response.status_code in RETRYABLE_STATUS
            raise RasaError(f"Rasa answered {response.status_code}{_reason(response)}", retryable=retryable)
        return response

    async def append_events(self, conversation_id: str, events: dict[str, Any] | list[dict[str, Any]]) -> None:
        await self._request(
            "POST",
            self._url(conversation_id, "tracker/events"),
            # Without execute_side_effects Rasa stores a bot event but never sends it to the channel.
            params=self._params(output_channel="latest", execute_side_effects="true"),
            json=events,
        )

    async def trigger_intent(self, conversation_id: str, name: str, entities: dict[str, Any]) -> list[str]:
        """Returns the texts the bot said in reply (what a channel that cannot be pushed to would miss)."""
        response = await self._request(
            "POST",
            self._url(conversation_id, "trigger_intent"),
            params=self._params(output_channel="latest"),
            json={"name": name, "entities": entities},
        )
        try:
            messages = response.json().get("messages") or []
        except (ValueError, AttributeError):
            return []
        return [m["text"] for m in messages if isinstance(m, dict) and isinstance(m.get("text"), str)]

    async def tracker_events(self, conversation_id: str) -> list[dict[str, Any]]:
        response = await self._request(
            "GET", self._url(conversation_id, "tracker"), params=self._params(include_events="ALL")
        )
        try:
            events = response.json().get("events") or []
        except (ValueError, AttributeError) as exc:
            raise RasaError("Rasa returned an unreadable tracker", retryable=True) from exc
        return [e for e in events if isinstance(e, dict)]
