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
# Any .js/.css file in static/ (and static/vendor/) is served, so a new console script needs no change here.
MEDIA_TYPES = {".js": "text/javascript", ".css": "text/css"}
# The WebRTC call code is shared with the customer's website page.
WEB_DIR = Path(__file__).resolve().parents[2] / "web"
SHARED_FROM_WEB = {"video.js"}

router = APIRouter(include_in_schema=False)


@router.get("/")
def root() -> RedirectResponse:
    return RedirectResponse("/console")


@router.get("/console")
def console_page() -> FileResponse:
    return FileResponse(STATIC_DIR / "console.html", media_type="text/html", headers=SECURITY_HEADERS)


@router.get("/dashboard")
def dashboard_page() -> FileResponse:
    return FileResponse(STATIC_DIR / "dashboard.html", media_type="text/html", headers=SECURITY_HEADERS)


def _asset_path(name: str) -> Path | None:
    if name in SHARED_FROM_WEB:
        return WEB_DIR / name
    path = (STATIC_DIR / name).resolve()
    # Only files inside static/ with a known type: no "..", no other file of the package.
    if STATIC_DIR not in path.parents or path.suffix not in MEDIA_TYPES or not path.is_file():
        return None
    return path


@router.get("/console/static/{name:path}")
def console_asset(name: str) -> FileResponse:
    path = _asset_path(name)
    if path is None:
        raise HTTPException(404, "Not found")
    return FileResponse(path, media_type=MEDIA_TYPES[path.suffix], headers=SECURITY_HEADERS)
