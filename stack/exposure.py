"""When a service is reachable from other machines, and whether a secret is fit for that.

No imports beyond the standard library: the handoff service, the action server, the stack and both images
use it (docker/*.Dockerfile copy it), so the three refuse weak secrets by the same rule.
"""
from __future__ import annotations

import ipaddress

MIN_SECRET_CHARS = 32  # ./heard setup generates 43-character URL-safe tokens
# Values that have been published (defaults, examples, documentation): never a secret, whatever their length.
KNOWN_VALUES = frozenset({
    "dev-handoff-service-token", "dev-handoff-secret-change-me", "change-me", "changeme", "secret", "password",
    "example", "test", "heard", "heard-demo", "your-secret-here", "rasa-token",
})


def is_loopback(host: str) -> bool:
    """True for an address only this machine can reach (127.0.0.0/8, ::1, localhost)."""
    host = host.strip().strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name or 0.0.0.0 / :: : reachable from elsewhere


def secret_problem(variable: str, value: str) -> str | None:
    """Why ``value`` is not fit to guard a service others can reach (None: it is). Never echoes the value."""
    value = value.strip()
    lowered = value.lower()
    if not value:
        return f"{variable} must be set (./heard setup generates one)"
    if lowered in KNOWN_VALUES or lowered.startswith(("dev-", "example", "changeme", "change-me")) \
            or "change-me" in lowered:
        return f"{variable} is a published example or development value; set a random secret (./heard setup)"
    if len(value) < MIN_SECRET_CHARS:
        return f"{variable} must be a random secret of at least {MIN_SECRET_CHARS} characters (./heard setup)"
    return None
