"""The sign-in brake: failed attempts counted per account and per client address, then a lockout.

``lockout_for`` runs before any password is hashed, so a locked account or address costs one indexed read,
not an argon2 hash (each hash is ~50 ms of CPU and 64 MiB of memory: unthrottled, sign-in was a lever on both).
Rows are keyed by a SHA-256 of the account's e-mail or the address: the table holds neither. Several replicas
share the counts through the database; two concurrent failures may both be counted after the limit, never
fewer, so the limit holds.
"""
from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from handoff_service.config import Settings
from handoff_service.models import LoginThrottle, utcnow

Scope = Literal["account", "address"]


@dataclass(frozen=True)
class Lockout:
    scope: Scope
    retry_after_seconds: int

    @property
    def message(self) -> str:
        minutes = max(1, math.ceil(self.retry_after_seconds / 60))
        whose = "this account" if self.scope == "account" else "this network address"
        return (f"Too many failed sign-ins for {whose}. Try again in {minutes} minute{'s' * (minutes != 1)}, "
                "or ask an administrator to unlock it.")


def _key(scope: Scope, value: str) -> str:
    return hashlib.sha256(f"{scope}:{value.strip().lower()}".encode()).hexdigest()


def _keys(email: str, address: str | None) -> list[tuple[Scope, str]]:
    keys: list[tuple[Scope, str]] = [("account", _key("account", email))]
    if address:
        keys.append(("address", _key("address", address)))
    return keys


def _limit(settings: Settings, scope: Scope) -> int:
    return settings.login_max_failures_per_account if scope == "account" else settings.login_max_failures_per_address


def lockout_for(*, session: Session, email: str, address: str | None, now: datetime | None = None) -> Lockout | None:
    """The lockout in force for this account or address, if any (checked before the password is)."""
    now = now or utcnow()
    for scope, key in _keys(email, address):
        row = session.get(LoginThrottle, key)
        if row is not None and row.locked_until is not None and row.locked_until > now:
            return Lockout(scope=scope, retry_after_seconds=math.ceil((row.locked_until - now).total_seconds()))
    return None


def _row(session: Session, key: str, now: datetime) -> LoginThrottle:
    row = session.scalars(select(LoginThrottle).where(LoginThrottle.key == key).with_for_update()).first()
    if row is not None:
        return row
    try:
        with session.begin_nested():
            row = LoginThrottle(key=key, failures=0, window_started_at=now, locked_until=None)
            session.add(row)
    except IntegrityError:  # another replica made it first
        row = session.scalars(select(LoginThrottle).where(LoginThrottle.key == key).with_for_update()).one()
    return row


def record_failure(*, session: Session, settings: Settings, email: str, address: str | None,
                   now: datetime | None = None) -> None:
    """Count one failed attempt; reaching the limit within the window locks for ``login_lockout_seconds``."""
    now = now or utcnow()
    window = timedelta(seconds=settings.login_failure_window_seconds)
    for scope, key in _keys(email, address):
        row = _row(session, key, now)
        lock_over = row.locked_until is not None and row.locked_until <= now
        if lock_over or row.window_started_at <= now - window:
            row.failures, row.window_started_at, row.locked_until = 0, now, None
        row.failures += 1
        if row.failures >= _limit(settings, scope):
            row.locked_until = now + timedelta(seconds=settings.login_lockout_seconds)
    session.flush()


def record_success(*, session: Session, email: str) -> None:
    """A successful sign-in clears the account's count (an address's count runs out by itself)."""
    session.execute(delete(LoginThrottle).where(LoginThrottle.key == _key("account", email)))


def unlock(*, session: Session, email: str | None = None, address: str | None = None) -> int:
    keys = ([_key("account", email)] if email else []) + ([_key("address", address)] if address else [])
    return session.execute(delete(LoginThrottle).where(LoginThrottle.key.in_(keys))).rowcount or 0


def prune(*, session: Session, settings: Settings, now: datetime | None = None) -> int:
    """Forget counts whose window has passed and whose lockout (if any) is over: under a spray of made-up
    e-mails the table would otherwise only grow. Run with the daily retention pass's loop."""
    now = now or utcnow()
    stale = LoginThrottle.window_started_at <= now - timedelta(seconds=settings.login_failure_window_seconds)
    over = (LoginThrottle.locked_until.is_(None)) | (LoginThrottle.locked_until <= now)
    return session.execute(delete(LoginThrottle).where(stale, over)).rowcount or 0
