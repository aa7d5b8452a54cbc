"""Client for Rasa's HTTP API (token-protected), used when the action server must speak to a
conversation outside a turn: a handoff request that went through on a later retry."""
from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx

from actions import config


class RasaUnavailable(Exception):
    """Rasa could not be reached or failed; retry later."""


class RasaClient:
    def __init__(self, base_url: str = config.RASA_URL, token: str = config.RASA_TOKEN,
                 timeout: float = 5.0) -> None:
        self._base_url = base_url
        self._token = token
        self._timeout = httpx.Timeout(timeout, connect=2.0)

    async def append_events(self, conversation_id: str, events: list[dict[str, Any]]) -> None:
        # ':', '@', '+' stay as they are: Rasa's routes do not unquote, and sender ids are namespaced ("rest:…").
        path = f"/conversations/{quote(conversation_id, safe=':@+')}/tracker/events"
        try:
            async with httpx.AsyncClient(base_url=self._base_url, timeout=self._timeout) as client:
                response = await client.post(path, params={"token": self._token, "output_channel": "latest",
                                                     # else Rasa stores bot events without sending them
                                                     "execute_side_effects": "true"},
                                             json=events)
        except httpx.HTTPError as error:
            raise RasaUnavailable(repr(error)) from error
        if response.status_code != 200:
            # The status only: Rasa's message can quote the events sent (customer text), and this is logged.
            raise RasaUnavailable(f"{path}: {response.status_code}")
