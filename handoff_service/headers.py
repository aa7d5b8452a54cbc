"""Security headers on every response the handoff service sends: API, console, chat page, docs, errors.

Pure ASGI (streaming-safe: SSE and static files pass through unbuffered). A header a route already set is kept
(the console sets its own, identical policy). What each page may load:
- the console and every API answer: own origin only, never framed;
- the website chat page (/chat/): own origin plus Rasa's public origin for socket.io (http and ws), framed only by
  ``HANDOFF_CHAT_FRAME_ANCESTORS`` (the insurer's site);
- /docs and /redoc (embedded profile only, see config.docs_exposed): FastAPI's pages load Swagger UI from a CDN
  with an inline script, so they get no CSP beyond frame-ancestors.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from handoff_service.config import Settings

_BASE = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
         "media-src 'self' blob: mediastream:; base-uri 'none'; form-action 'self'")
COMMON = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "permissions-policy": "camera=(self), microphone=(self), geolocation=(), payment=()",
    "cross-origin-opener-policy": "same-origin",
}
DOCS_PATHS = ("/docs", "/redoc")


def _origins(url: str) -> list[str]:
    """An http(s) URL's origin and its WebSocket twin (socket.io upgrades to ws/wss)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return []
    ws = "wss" if parts.scheme == "https" else "ws"
    return [f"{parts.scheme}://{parts.netloc}", f"{ws}://{parts.netloc}"]


def policies(settings: Settings) -> tuple[str, str, str]:
    """(default CSP, chat page CSP, docs CSP)."""
    default = f"{_BASE}; connect-src 'self'; frame-ancestors 'none'"
    connect = " ".join(["'self'", *_origins(settings.public_rasa_url or settings.rasa_url),
                        *_origins(settings.public_url)])
    chat = f"{_BASE}; connect-src {connect}; frame-ancestors {settings.chat_frame_ancestors}"
    return default, chat, "frame-ancestors 'none'"


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.default_csp, self.chat_csp, self.docs_csp = policies(settings)

    def _csp_for(self, path: str) -> str:
        if path == "/chat" or path.startswith("/chat/"):
            return self.chat_csp
        if path.startswith(DOCS_PATHS):
            return self.docs_csp
        return self.default_csp

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = {**COMMON, "content-security-policy": self._csp_for(scope.get("path", ""))}
        if not scope.get("path", "").startswith("/chat"):
            extra["x-frame-options"] = "DENY"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(name.encode(), value.encode()) for name, value in extra.items()
                            if name.encode() not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
