"""Rasa's calls to the action server keep their connections instead of opening one per call.

Rasa 3.6's ``EndpointConfig.request`` creates an aiohttp ``ClientSession`` — its own connection pool, so a new
TCP connection — for every request, and closes it afterwards. Heard calls the action server two or three
times a turn (``action_assess_message``, the reply's action, slot validation): creating and closing those
sessions and connections was 8 % of Rasa's busy time under load (bench/load.py with py-spy,
docs/benchmarks.md). ``install()`` makes ``EndpointConfig.session()`` hand out one kept session per event loop
and endpoint configuration; Rasa's own ``request`` (headers, token, errors, timeouts) is unchanged. Its bodies
are encoded by ``rasa_addons/request_json.py`` (the same JSON, faster).

An idle connection is closed after ``KEEPALIVE_SECONDS``, well before any server in front of it closes it
(rasa-sdk's Sanic keeps idle connections 120 s, nginx's listeners 75 s), so Rasa never sends a request on a
connection the other side is just closing.
"""
from __future__ import annotations

import asyncio
import logging
import weakref
from typing import Any, Dict, Tuple

import aiohttp
from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT, EndpointConfig

from rasa_addons import request_json

logger = logging.getLogger(__name__)

KEEPALIVE_SECONDS = 2.0
_INSTALLED_MARK = "_heard_kept_connections"
_sessions: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Dict[Tuple, aiohttp.ClientSession]]" = (
    weakref.WeakKeyDictionary())


class _Kept:
    """``async with`` gives the kept session and leaves it open (Rasa closes the one it made)."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self._session = session

    async def __aenter__(self) -> aiohttp.ClientSession:
        return self._session

    async def __aexit__(self, *exc_info: Any) -> None:
        return None


def _key(endpoint: EndpointConfig) -> Tuple:
    auth = tuple(sorted(endpoint.basic_auth.items())) if endpoint.basic_auth else ()
    return tuple(sorted((endpoint.headers or {}).items())), auth


def kept_session(endpoint: EndpointConfig) -> aiohttp.ClientSession:
    """The session this event loop keeps for ``endpoint``'s headers and credentials, made on first use."""
    loop = asyncio.get_running_loop()
    per_loop = _sessions.setdefault(loop, {})
    key = _key(endpoint)
    session = per_loop.get(key)
    if session is None or session.closed:
        auth = (aiohttp.BasicAuth(endpoint.basic_auth["username"], endpoint.basic_auth["password"])
                if endpoint.basic_auth else None)
        session = aiohttp.ClientSession(
            headers=endpoint.headers, auth=auth, timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
            connector=aiohttp.TCPConnector(keepalive_timeout=KEEPALIVE_SECONDS),
            json_serialize=request_json.encode)  # the whole conversation goes in each body: encoded 2.7x faster
        per_loop[key] = session
    return session


async def close_all() -> None:
    """Closes this event loop's kept sessions. The server never needs it (its connections close with the
    process); tests and scripts that run several event loops call it before their loop ends."""
    for session in _sessions.pop(asyncio.get_running_loop(), {}).values():
        await session.close()


def install() -> bool:
    """Replaces ``EndpointConfig.session``; False when already installed."""
    if getattr(EndpointConfig.session, _INSTALLED_MARK, False):
        return False

    def session(self: EndpointConfig) -> _Kept:
        return _Kept(kept_session(self))

    setattr(session, _INSTALLED_MARK, True)
    EndpointConfig.session = session  # type: ignore[method-assign]
    logger.info("HTTP calls from Rasa to its endpoints keep their connections (idle %.0f s)", KEEPALIVE_SECONDS)
    return True
