"""The agent console: one static HTML page + vanilla JS, no build step.

The page contains no customer data; the script fetches it from the API and inserts every piece of
text with textContent, never innerHTML, so HTML/script in messages, names or slots is shown as text.
A strict Content-Security-Policy (no inline script) backs this up.
"""
from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse, RedirectResponse

STATIC_DIR = Path(__file__).resolve().parent / "static"
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data: blob:; media-src 'self' blob: mediastream:; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}
ASSETS = {"console.js": "text/javascript", "console.css": "text/css", "video.js": "text/javascript",
          "console_video.js": "text/javascript", "console_attachments.js": "text/javascript"}
# The WebRTC call code is shared with the customer's website page.
WEB_DIR = Path(__file__).resolve().parents[2] / "web"

router = APIRouter(include_in_schema=False)


@router.get("/")
def root() -> RedirectResponse:
    return RedirectResponse("/console")


@router.get("/console")
def console_page() -> FileResponse:
    return FileResponse(STATIC_DIR / "console.html", media_type="text/html", headers=SECURITY_HEADERS)


@router.get("/console/static/{name}")
def console_asset(name: str) -> FileResponse:
    if name not in ASSETS:
        raise HTTPException(404, "Not found")
    directory = WEB_DIR if name == "video.js" else STATIC_DIR
    return FileResponse(directory / name, media_type=ASSETS[name], headers=SECURITY_HEADERS)
