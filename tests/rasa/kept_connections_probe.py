"""Runs in Rasa's runtime: how many TCP connections Rasa's EndpointConfig opens for a series of calls.

    .venv-rasa/bin/python tests/rasa/kept_connections_probe.py {patched|unpatched}

Prints one JSON line: per scenario, the client ports the server saw (one port = one connection).
"""
from __future__ import annotations

import asyncio
import json
import sys

from aiohttp import web
from rasa.utils.endpoints import EndpointConfig

from rasa_addons import kept_connections
from tests.rasa.local_server import serve


async def main(mode: str) -> dict:
    installed = [kept_connections.install(), kept_connections.install()] if mode == "patched" else []
    seen: list[dict] = []

    async def webhook(request: web.Request) -> web.Response:
        seen.append({"port": request.transport.get_extra_info("peername")[1],
                     "token": request.query.get("token"), "x": request.headers.get("X-Heard")})
        return web.json_response({"events": [], "responses": []})

    app = web.Application()
    app.router.add_post("/webhook", webhook)
    runner, port = await serve(app)
    endpoint = EndpointConfig(f"http://127.0.0.1:{port}/webhook", token="secret", headers={"X-Heard": "a"})
    other = EndpointConfig(f"http://127.0.0.1:{port}/webhook", headers={"X-Heard": "b"})

    def ports(calls: list[dict]) -> list[int]:
        return [call["port"] for call in calls]

    results: dict = {"installed": installed}
    for _ in range(5):
        answer = await endpoint.request(json={"next_action": "x"}, method="post")
    results["answer"] = answer
    results["five_calls"] = ports(seen)
    results["sent"] = seen[-1]
    await asyncio.sleep(1.3)  # literal: a changed KEEPALIVE_SECONDS must fail the test
    await endpoint.request(json={}, method="post")
    results["after_short_idle"] = seen[-1]["port"] == seen[-2]["port"]
    await asyncio.sleep(2.7)
    await endpoint.request(json={}, method="post")
    results["after_long_idle"] = seen[-1]["port"] == seen[-2]["port"]
    await other.request(json={}, method="post")
    results["other_headers"] = seen[-1]["x"]
    try:
        await EndpointConfig(f"http://127.0.0.1:{port}/missing").request(json={}, method="post")
        results["missing"] = "no error"
    except Exception as error:  # Rasa's own ClientResponseError, as before
        results["missing"] = f"{type(error).__name__} {getattr(error, 'status', '')}"
    await kept_connections.close_all()
    await runner.cleanup()
    return results


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(sys.argv[1]))))
