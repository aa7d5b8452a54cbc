"""Checking who a customer is, and the limits on trying and on looking records up (keyword-only, session in).

Numbers come from ``limits.yml`` (with the reasons). Every failed check and every lookup is a row in
``identity_events``, so the per-policy count survives a new conversation and any number of action-server
replicas share it. Conversations are stored as a hash of the sender id (which can be a phone number).
"""
from __future__ import annotations

import datetime as dt
import enum
import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Optional

import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from actions.insurance import formats
from actions.insurance.models import Claim, ClaimStatus, Customer, IdentityEvent, IdentityEventKind, Policy

LIMITS_PATH = Path(__file__).with_name("limits.yml")
OPEN_CLAIM_STATUSES = {ClaimStatus.RECEIVED, ClaimStatus.WITH_ASSESSOR, ClaimStatus.AWAITING_DOCUMENTS,
                       ClaimStatus.APPROVED}


@dataclass(frozen=True)
class Limits:
    allowed_wrong_tries_per_conversation: int
    allowed_wrong_tries_per_policy: int
    failure_window: dt.timedelta
    verified_for: dt.timedelta
    max_lookups_per_conversation: int
    max_lookups_per_record: int
    lookup_window: dt.timedelta


@lru_cache(maxsize=1)
def limits() -> Limits:
    raw = yaml.safe_load(LIMITS_PATH.read_text(encoding="utf-8"))
    verification, lookups = raw["verification"], raw["lookups"]
    return Limits(
        allowed_wrong_tries_per_conversation=int(verification["allowed_wrong_tries_per_conversation"]),
        allowed_wrong_tries_per_policy=int(verification["allowed_wrong_tries_per_policy"]),
        failure_window=dt.timedelta(hours=float(verification["failure_window_hours"])),
        verified_for=dt.timedelta(minutes=float(verification["verified_for_minutes"])),
        max_lookups_per_conversation=int(lookups["max_per_conversation"]),
        max_lookups_per_record=int(lookups["max_per_record"]),
        lookup_window=dt.timedelta(minutes=float(lookups["window_minutes"])),
    )


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def conversation_key(sender_id: str) -> str:
    return hashlib.sha256(sender_id.encode("utf-8")).hexdigest()


class Outcome(str, enum.Enum):
    VERIFIED = "verified"
    MISMATCH = "mismatch"  # another go is allowed
    LOCKED = "locked"  # no more tries here (this one was refused, or was the last wrong one)


@dataclass(frozen=True)
class VerifiedCustomer:
    customer_id: int
    customer_number: Optional[str]
    first_name: str

    def as_slot(self, *, via: str, now: dt.datetime) -> dict[str, Any]:
        return {"customer_id": self.customer_id, "customer_number": self.customer_number,
                "first_name": self.first_name, "via": via, "verified_at": now.isoformat()}


@dataclass(frozen=True)
class Check:
    outcome: Outcome
    customer: Optional[VerifiedCustomer] = None


def _count(session: Session, kind: IdentityEventKind, since: dt.datetime, **where: str) -> int:
    query = select(func.count()).select_from(IdentityEvent).where(
        IdentityEvent.kind == kind, IdentityEvent.created_at >= since)
    for column, value in where.items():
        query = query.where(getattr(IdentityEvent, column) == value)
    return int(session.scalar(query) or 0)


def _record(session: Session, kind: IdentityEventKind, conversation: str, subject: Optional[str],
            now: dt.datetime) -> None:
    session.add(IdentityEvent(kind=kind, conversation=conversation, subject=subject, created_at=now))
    session.flush()


def _over_limit(conversation_failures: int, policy_failures: int, rules: Limits) -> bool:
    return (conversation_failures > rules.allowed_wrong_tries_per_conversation
            or policy_failures > rules.allowed_wrong_tries_per_policy)


def conversation_locked(*, session: Session, sender_id: str, now: Optional[dt.datetime] = None) -> bool:
    """Too many wrong answers in this conversation: no more checks here in the window."""
    now, rules = now or utc_now(), limits()
    failures = _count(session, IdentityEventKind.FAILED_VERIFICATION, now - rules.failure_window,
                      conversation=conversation_key(sender_id))
    return failures > rules.allowed_wrong_tries_per_conversation


def check_identity(*, session: Session, sender_id: str, policy_number: str, date_of_birth: dt.date,
                   postcode: str, now: Optional[dt.datetime] = None) -> Check:
    """Policy number + date of birth + postcode against the policyholder's records.

    A locked conversation or policy is refused before anything is compared (the answer could be right: it
    is still not checked). A wrong answer is counted for the conversation and for the policy number."""
    now, rules = now or utc_now(), limits()
    conversation = conversation_key(sender_id)
    number = formats.read_policy_number(policy_number).value or policy_number.strip().upper()[:16]
    since = now - rules.failure_window
    by_conversation = _count(session, IdentityEventKind.FAILED_VERIFICATION, since, conversation=conversation)
    by_policy = _count(session, IdentityEventKind.FAILED_VERIFICATION, since, subject=number)
    if _over_limit(by_conversation, by_policy, rules):
        return Check(Outcome.LOCKED)
    policy = session.scalar(select(Policy).where(Policy.policy_number == number))
    customer = policy.customer if policy is not None else None
    if (customer is not None and customer.date_of_birth == date_of_birth
            and (customer.postcode or "") == "".join(postcode.split()).upper()):
        return Check(Outcome.VERIFIED, VerifiedCustomer(customer.id, customer.customer_number, customer.first_name))
    _record(session, IdentityEventKind.FAILED_VERIFICATION, conversation, number, now)
    if _over_limit(by_conversation + 1, by_policy + 1, rules):
        return Check(Outcome.LOCKED)
    return Check(Outcome.MISMATCH)


def lookup_allowed(*, session: Session, sender_id: str, subject: str, now: Optional[dt.datetime] = None) -> bool:
    """Counts one lookup of ``subject`` (a policy number or claim reference) unless a limit is reached."""
    now, rules = now or utc_now(), limits()
    conversation = conversation_key(sender_id)
    subject = subject.strip().upper()[:16]
    since = now - rules.lookup_window
    if (_count(session, IdentityEventKind.LOOKUP, since, conversation=conversation) >= rules.max_lookups_per_conversation
            or _count(session, IdentityEventKind.LOOKUP, since, subject=subject) >= rules.max_lookups_per_record):
        return False
    _record(session, IdentityEventKind.LOOKUP, conversation, subject, now)
    return True


def customer_by_number(*, session: Session, customer_number: str) -> Optional[VerifiedCustomer]:
    customer = session.scalar(select(Customer).where(Customer.customer_number == customer_number))
    if customer is None:
        return None
    return VerifiedCustomer(customer.id, customer.customer_number, customer.first_name)


def owns_policy(*, session: Session, customer_id: int, policy_number: str) -> Optional[Policy]:
    """The policy, if it is this customer's (None for another customer's and for an unknown number alike)."""
    number = formats.read_policy_number(policy_number).value
    if number is None:
        return None
    return session.scalar(select(Policy).where(Policy.policy_number == number, Policy.customer_id == customer_id))


def owns_claim(*, session: Session, customer_id: int, reference: str) -> Optional[Claim]:
    check = formats.read_claim_reference(reference)
    if not check.ok:
        return None
    return session.scalar(select(Claim).join(Policy).where(Claim.reference == check.value,
                                                           Policy.customer_id == customer_id))


def customer_context(*, session: Session, customer_id: int) -> dict[str, Any]:
    """What the agent sees about a verified customer (contracts.md #2): policies and open claims."""
    customer = session.get(Customer, customer_id)
    if customer is None:
        return {"verified": False}
    policies = sorted(customer.policies, key=lambda policy: policy.policy_number)
    claims = session.scalars(select(Claim).join(Policy).where(
        Policy.customer_id == customer_id, Claim.status.in_(OPEN_CLAIM_STATUSES)).order_by(Claim.reference))
    return {
        "verified": True,
        "customer_name": f"{customer.first_name} {customer.last_name}",
        "policies": [{"number": p.policy_number, "product": p.product.value, "status": p.status.value}
                     for p in policies],
        "open_claims": [{"reference": c.reference, "status": c.status.value} for c in claims],
    }


__all__ = ["Check", "Outcome", "VerifiedCustomer", "check_identity", "conversation_locked", "customer_by_number",
           "customer_context", "limits", "lookup_allowed", "owns_claim", "owns_policy"]
