"""Errors that are logged and kept (a delivery's last error) name a status and a code, never the words sent."""
from __future__ import annotations

import asyncio

import httpx
import pytest

from handoff_service.rasa_client import RasaClient, RasaError

WORDS = "my husband Bartholomew died"


@pytest.mark.parametrize(("status", "body", "expected"), [
    (400, {"reason": "BadRequest", "message": f"Couldn't parse event '{WORDS}'"}, "Rasa answered 400 (BadRequest)"),
    (503, {"message": WORDS}, "Rasa answered 503"),
    (500, None, "Rasa answered 500"),
])
def test_a_rasa_error_never_quotes_its_body(status: int, body: dict | None, expected: str) -> None:
    def answer(_request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json=body) if body is not None else httpx.Response(status, text=WORDS)

    client = RasaClient("http://rasa.test", "t", 5, transport=httpx.MockTransport(answer))

    async def append() -> None:
        try:
            await client.append_events("c-1", [{"event": "bot", "text": WORDS}])
        finally:
            await client.aclose()

    with pytest.raises(RasaError) as raised:
        asyncio.run(append())
    assert str(raised.value) == expected and "Bartholomew" not in str(raised.value)
