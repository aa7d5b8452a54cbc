"""Service layer: keyword-only session in, models out. No Rasa here."""
from __future__ import annotations

import datetime as dt
import secrets
from typing import Optional

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from actions.insurance import formats, incidents
from actions.insurance.dates import OLDEST_CLAIMABLE_DAYS
from actions.insurance.models import Claim, ClaimStatus, Policy, PolicyStatus

NEW_CLAIM_NEXT_STEP = "a claims handler reviews it and contacts you within one working day"
_REFERENCE_ATTEMPTS = 20


class ClaimRejected(ValueError):
    """The claim details are not valid; nothing was stored."""


def find_policy(*, session: Session, policy_number: str) -> Optional[Policy]:
    check = formats.read_policy_number(policy_number)
    if not check.ok:
        return None
    return session.scalar(
        select(Policy).options(joinedload(Policy.customer)).where(Policy.policy_number == check.value)
    )


def find_claim(*, session: Session, reference: str) -> Optional[Claim]:
    check = formats.read_claim_reference(reference)
    if not check.ok:
        return None
    return session.scalar(
        select(Claim).options(joinedload(Claim.policy)).where(Claim.reference == check.value)
    )


def _validated(policy: Optional[Policy], incident_type: str, incident_date: dt.date, description: str,
               today: dt.date) -> tuple[Policy, str, str]:
    if policy is None:
        raise ClaimRejected("unknown policy")
    if policy.status is not PolicyStatus.ACTIVE:
        raise ClaimRejected(f"policy is {policy.status.value}")
    incident = incidents.BY_NAME.get(incident_type)
    if incident is None or policy.product not in incident.products:
        raise ClaimRejected(f"incident type {incident_type!r} does not fit a {policy.product.value} policy")
    if incident_date > today or (today - incident_date).days > OLDEST_CLAIMABLE_DAYS:
        raise ClaimRejected("incident date out of range")
    clean_description = formats.plain_text(description, max_length=formats.MAX_DESCRIPTION_LENGTH)
    if not formats.has_words(clean_description):
        raise ClaimRejected("empty description")
    return policy, incident.name, clean_description


def file_claim(
    *,
    session: Session,
    policy_number: str,
    incident_type: str,
    incident_date: dt.date,
    description: str,
    today: Optional[dt.date] = None,
    reported_verified: bool = True,
) -> Claim:
    """Validate and store a new claim with a fresh ``CLM-NNNNN`` reference (``reported_verified`` False:
    the reporter had not confirmed who they are, so the handler checks first)."""
    today = today or dt.date.today()
    policy, incident_name, clean_description = _validated(
        find_policy(session=session, policy_number=policy_number), incident_type, incident_date, description, today
    )
    for _ in range(_REFERENCE_ATTEMPTS):
        claim = Claim(
            reference=f"CLM-{secrets.randbelow(90000) + 10000}",
            # By id, not relationship: a failed attempt must not linger in policy.claims.
            policy_id=policy.id,
            incident_type=incident_name,
            incident_date=incident_date,
            description=clean_description,
            status=ClaimStatus.RECEIVED,
            next_step=NEW_CLAIM_NEXT_STEP,
            next_step_due_on=today + dt.timedelta(days=1),
            reported_verified=reported_verified,
        )
        try:
            # A savepoint, so a reference another process took a moment ago costs one retry, not the claim.
            with session.begin_nested():
                session.add(claim)
                session.flush()
            return claim
        except IntegrityError:
            continue
    raise RuntimeError("could not allocate a unique claim reference")
