"""Password hashing (argon2) and signed tokens (itsdangerous) for agents, customers and SSE streams.

Agent, refresh and stream tokens carry the agent's ``token_version`` (``ver``): a token whose version is not the
agent's current one is refused (api/deps.py), which is how logout, a password change and disabling revoke every
token at once. Customer tokens name their ticket and expire (``HANDOFF_CUSTOMER_TOKEN_TTL_SECONDS``); use
``verify_customer_token`` wherever one is accepted.
"""
from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

TokenKind = Literal["agent", "refresh", "stream", "customer"]
_HASHER = PasswordHasher()
# A real hash to verify against when the e-mail is unknown, so timing does not reveal which e-mails exist.
_DUMMY_HASH = _HASHER.hash("not-a-real-password")


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def constant_time_equals(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


@dataclass(frozen=True)
class TokenClaims:
    kind: TokenKind
    subject: int
    version: int = 0


class TokenSigner:
    """Each kind has its own salt, so a customer token can never pass as an agent token."""

    def __init__(self, secret_key: str) -> None:
        self._secret_key = secret_key

    def _serializer(self, kind: TokenKind) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(self._secret_key, salt=f"heard-handoff-{kind}")

    def issue(self, kind: TokenKind, subject: int, version: int = 0) -> str:
        return self._serializer(kind).dumps({"sub": subject, "ver": version})

    def verify(self, kind: TokenKind, token: str, max_age_seconds: int | None) -> TokenClaims | None:
        try:
            data = self._serializer(kind).loads(token, max_age=max_age_seconds)
        except (SignatureExpired, BadSignature):
            return None
        subject = data.get("sub") if isinstance(data, dict) else None
        version = data.get("ver", 0) if isinstance(data, dict) else 0
        if not isinstance(subject, int) or isinstance(subject, bool) or not isinstance(version, int):
            return None
        return TokenClaims(kind=kind, subject=subject, version=version)


def verify_customer_token(signer: TokenSigner, token: str, ticket_id: int, max_age_seconds: int) -> bool:
    """A customer token opens its own ticket only, and only until it expires."""
    claims = signer.verify("customer", token, max_age_seconds)
    return claims is not None and claims.subject == ticket_id
