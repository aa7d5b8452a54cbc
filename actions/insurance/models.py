"""SQLAlchemy 2 typed models for customers, policies and claims."""
from __future__ import annotations

import datetime as dt
import enum
from typing import List, Optional

from sqlalchemy import Boolean, Date, DateTime, Enum, ForeignKey, Integer, String, Text, func, true
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


def _enum_column(enum_class: type[enum.Enum]) -> Enum:
    # Store the readable value ("with_assessor"), not the Python name, and avoid native enum types
    # so SQLite and PostgreSQL share one migration.
    return Enum(
        enum_class,
        native_enum=False,
        length=24,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


class Product(str, enum.Enum):
    HOME = "home"
    MOTOR = "motor"
    TRAVEL = "travel"
    LIFE = "life"


class PolicyStatus(str, enum.Enum):
    ACTIVE = "active"
    CANCELLED = "cancelled"
    LAPSED = "lapsed"


class ClaimStatus(str, enum.Enum):
    RECEIVED = "received"
    WITH_ASSESSOR = "with_assessor"
    AWAITING_DOCUMENTS = "awaiting_documents"
    APPROVED = "approved"
    SETTLED = "settled"
    DECLINED = "declined"


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    first_name: Mapped[str] = mapped_column(String(50))
    last_name: Mapped[str] = mapped_column(String(80))
    email: Mapped[Optional[str]] = mapped_column(String(254))
    phone: Mapped[Optional[str]] = mapped_column(String(32))
    # The insurer's own customer number: what a logged-in customer's signed website identity names.
    customer_number: Mapped[Optional[str]] = mapped_column(String(16), unique=True, index=True)
    # Identity and verification in chat (actions/identity): policy number + date of birth + postcode.
    date_of_birth: Mapped[Optional[dt.date]] = mapped_column(Date)
    postcode: Mapped[Optional[str]] = mapped_column(String(8))  # normalised: upper case, no spaces
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    policies: Mapped[List["Policy"]] = relationship(back_populates="customer")


class Policy(Base):
    __tablename__ = "policies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    policy_number: Mapped[str] = mapped_column(String(10), unique=True, index=True)
    product: Mapped[Product] = mapped_column(_enum_column(Product))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    cover_level: Mapped[str] = mapped_column(String(60))
    excess_gbp: Mapped[int] = mapped_column(Integer)
    monthly_premium_pence: Mapped[int] = mapped_column(Integer)
    status: Mapped[PolicyStatus] = mapped_column(_enum_column(PolicyStatus), default=PolicyStatus.ACTIVE)
    starts_on: Mapped[dt.date] = mapped_column(Date)
    renews_on: Mapped[dt.date] = mapped_column(Date)

    customer: Mapped[Customer] = relationship(back_populates="policies")
    claims: Mapped[List["Claim"]] = relationship(back_populates="policy")


class Claim(Base):
    __tablename__ = "claims"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(9), unique=True, index=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("policies.id"), index=True)
    incident_type: Mapped[str] = mapped_column(String(40))
    incident_date: Mapped[dt.date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[ClaimStatus] = mapped_column(_enum_column(ClaimStatus), default=ClaimStatus.RECEIVED)
    next_step: Mapped[str] = mapped_column(Text)
    next_step_due_on: Mapped[Optional[dt.date]] = mapped_column(Date)
    submitted_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    status_changed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # False when the person who reported it had not confirmed who they are (the handler checks first).
    reported_verified: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())

    policy: Mapped[Policy] = relationship(back_populates="claims")


class IdentityEventKind(str, enum.Enum):
    FAILED_VERIFICATION = "failed_verification"
    LOOKUP = "lookup"


class IdentityEvent(Base):
    """One failed verification or one record lookup, counted for the limits in actions/identity/limits.yml.

    Kept in SQL (not in the conversation) so the count per policy survives a new conversation. The
    conversation is stored as a hash: a sender id can be a phone number."""

    __tablename__ = "identity_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[IdentityEventKind] = mapped_column(_enum_column(IdentityEventKind))
    conversation: Mapped[str] = mapped_column(String(64), index=True)
    # The policy number or claim reference looked up or tried (upper case), if any.
    subject: Mapped[Optional[str]] = mapped_column(String(16), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(), index=True)
