"""Demo customers, policies and claims. Idempotent: rows that exist are left as they are."""
from __future__ import annotations

import datetime as dt
from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from actions.identity.readers import normalise_postcode
from actions.insurance.models import Claim, ClaimStatus, Customer, Policy, Product

CUSTOMERS = [
    ("Priya", "Shah", "priya.shah@example.com", "07700 900123"),
    ("Tom", "Okafor", "tom.okafor@example.com", "07700 900456"),
    ("Margaret", "Ellis", "m.ellis@example.com", "07700 900789"),
    ("Dafydd", "Morgan", "dafydd.morgan@example.com", "07700 900321"),
]

# What a demo customer answers when the bot checks it is them (README lists them): first name ->
# (customer number, date of birth, postcode). Made up; the postcodes are in the style of real ones.
IDENTITIES = {
    "Priya": ("CUS-100001", dt.date(1988, 3, 14), "LS6 2AB"),
    "Tom": ("CUS-100002", dt.date(1979, 11, 2), "M14 5RT"),
    "Margaret": ("CUS-100003", dt.date(1952, 6, 21), "BS8 1TH"),
    "Dafydd": ("CUS-100004", dt.date(1991, 9, 30), "CF10 3AT"),
}

# (policy number, holder's first name, product, cover level, excess £, monthly premium in pence, days to renewal)
POLICIES = [
    ("HOM-204815", "Priya", Product.HOME, "Home Plus (buildings and contents)", 250, 3150, 101),
    ("MOT-318402", "Priya", Product.MOTOR, "Comprehensive", 350, 4875, 47),
    ("TRV-552190", "Tom", Product.TRAVEL, "Annual multi-trip, Europe", 100, 1299, 212),
    ("MOT-118273", "Tom", Product.MOTOR, "Third party, fire and theft", 500, 3620, 19),
    ("LIF-730011", "Margaret", Product.LIFE, "Level term life, £150,000", 0, 2240, 300),
    ("HOM-449327", "Margaret", Product.HOME, "Home Essentials (contents)", 150, 1480, 64),
    ("HOM-661204", "Dafydd", Product.HOME, "Home Plus (buildings and contents)", 250, 2990, 150),
]

# (reference, policy, incident, days ago, description, status, next step, days until next step is due)
CLAIMS = [
    ("CLM-20814", "HOM-204815", "water damage", 23,
     "Water coming through the kitchen ceiling from the bathroom above.",
     ClaimStatus.WITH_ASSESSOR, "a loss assessor visits the property to see the damage", 3),
    ("CLM-20877", "MOT-318402", "windscreen damage", 6,
     "Stone chip on the motorway that has spread into a crack.",
     ClaimStatus.APPROVED, "our glazing partner fits the new windscreen", 2),
    ("CLM-19542", "TRV-552190", "lost luggage", 41,
     "Suitcase did not arrive in Lisbon and was never found.",
     ClaimStatus.AWAITING_DOCUMENTS,
     "we receive the airline's property irregularity report (PIR) and your receipts", None),
    ("CLM-18306", "HOM-449327", "storm damage", 96,
     "Roof tiles blown off in the storm and rain came into the loft.",
     ClaimStatus.SETTLED, "nothing more: we paid £1,240 to your bank account", None),
    ("CLM-21003", "MOT-118273", "car accident", 2,
     "Another car reversed into mine in a supermarket car park.",
     ClaimStatus.RECEIVED, "a claims handler calls you to take the other driver's details", 1),
]


def _identity(first_name: str) -> dict:
    customer_number, born, postcode = IDENTITIES[first_name]
    return {"customer_number": customer_number, "date_of_birth": born,
            "postcode": normalise_postcode(postcode)}


def _customer(session: Session, first_name: str) -> Optional[Customer]:
    return session.scalar(select(Customer).where(Customer.first_name == first_name))


def seed_demo_data(session: Session, *, today: Optional[dt.date] = None) -> int:
    """Insert whatever demo rows are missing; returns how many rows were added."""
    today = today or dt.date.today()
    added = 0
    for first, last, email, phone in CUSTOMERS:
        if _customer(session, first) is None:
            session.add(Customer(first_name=first, last_name=last, email=email, phone=phone, **_identity(first)))
            added += 1
    session.flush()
    for first in IDENTITIES:
        customer = _customer(session, first)
        # Databases seeded before identity checks existed get the answers too (counted as rows added).
        if customer is not None and customer.customer_number is None:
            for field, value in _identity(first).items():
                setattr(customer, field, value)
            added += 1
    session.flush()
    for number, holder, product, level, excess, premium, days_to_renewal in POLICIES:
        if session.scalar(select(Policy).where(Policy.policy_number == number)) is None:
            renews_on = today + dt.timedelta(days=days_to_renewal)
            session.add(Policy(
                policy_number=number, product=product, customer=_customer(session, holder), cover_level=level,
                excess_gbp=excess, monthly_premium_pence=premium,
                starts_on=renews_on - dt.timedelta(days=365), renews_on=renews_on,
            ))
            added += 1
    session.flush()
    for reference, number, incident, days_ago, description, status, next_step, due_in in CLAIMS:
        if session.scalar(select(Claim).where(Claim.reference == reference)) is None:
            policy = session.scalar(select(Policy).where(Policy.policy_number == number))
            session.add(Claim(
                reference=reference, policy=policy, incident_type=incident,
                incident_date=today - dt.timedelta(days=days_ago), description=description, status=status,
                next_step=next_step,
                next_step_due_on=None if due_in is None else today + dt.timedelta(days=due_in),
            ))
            added += 1
    session.flush()
    return added
