"""For probes in Rasa's runtime: serve an aiohttp app on a free loopback port."""
from __future__ import annotations

from aiohttp import web


async def serve(app: web.Application) -> tuple[web.AppRunner, int]:
    """Starts ``app`` on 127.0.0.1 at a port the kernel picks; returns the runner (to clean up) and the port."""
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, site._server.sockets[0].getsockname()[1]
