"""SQLAlchemy 2 typed models: tickets, messages, agents, surveys and the delivery outbox.

Text is stored exactly as received (raw); escaping happens where it is shown (see docs/handoff.md).
"""
from __future__ import annotations

import enum
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on both backends (SQLite drops tzinfo otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


class TicketStatus(str, enum.Enum):
    queued = "queued"
    claimed = "claimed"
    resolved = "resolved"
    abandoned = "abandoned"
    expired = "expired"


OPEN_STATUSES = (TicketStatus.queued, TicketStatus.claimed)
# The partial unique index below repeats this list as SQL; keep both in step.
OPEN_STATUS_SQL = "status IN ('queued', 'claimed')"


class Priority(str, enum.Enum):
    low = "low"
    normal = "normal"
    high = "high"
    urgent = "urgent"

    @property
    def rank(self) -> int:
        return _PRIORITY_RANK[self]


_PRIORITY_RANK = {Priority.low: 0, Priority.normal: 1, Priority.high: 2, Priority.urgent: 3}


class PreferredMode(str, enum.Enum):
    chat = "chat"
    video = "video"
    callback = "callback"


class Sender(str, enum.Enum):
    customer = "customer"
    agent = "agent"
    system = "system"


class Presence(str, enum.Enum):
    online = "online"
    away = "away"


class AgentRole(str, enum.Enum):
    agent = "agent"
    # Sees the dashboard (TNPS, escalations, waiting and handling times) as well as the console.
    team_lead = "team_lead"


class ResolveOutcome(str, enum.Enum):
    """How a conversation with a person ended, chosen by the agent when resolving (dashboard: per outcome)."""

    answered = "answered"
    claim_opened = "claim_opened"
    claim_updated = "claim_updated"
    policy_changed = "policy_changed"
    complaint_logged = "complaint_logged"
    callback_arranged = "callback_arranged"
    referred = "referred"
    no_action_needed = "no_action_needed"


class DeliveryKind(str, enum.Enum):
    bot_message = "bot_message"
    resume = "resume"
    trigger_intent = "trigger_intent"


class DeliveryStatus(str, enum.Enum):
    pending = "pending"
    delivered = "delivered"
    failed = "failed"


def _enum(enum_cls: type[enum.Enum], name: str, length: int = 16) -> Enum:
    # Plain VARCHAR + CHECK keeps migrations simple on both SQLite and PostgreSQL.
    return Enum(enum_cls, name=name, native_enum=False, validate_strings=True, length=length)


class Base(DeclarativeBase):
    pass


class Agent(Base):
    __tablename__ = "agents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    skills: Mapped[list[str]] = mapped_column(JSON, default=list)
    presence: Mapped[Presence] = mapped_column(_enum(Presence, "presence"), default=Presence.away)
    presence_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The console's last heartbeat: an "online" agent not seen for HANDOFF_PRESENCE_TIMEOUT_SECONDS counts as away
    # (services/presence.py), so a closed console never leaves the bot promising a colleague "now".
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    role: Mapped[AgentRole] = mapped_column(_enum(AgentRole, "agent_role"), default=AgentRole.agent,
                                            server_default=AgentRole.agent.value)
    # Saved replies are shared within a team.
    team: Mapped[str] = mapped_column(String(64), default="default", server_default="default")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Every token names the version it was issued under; logout, a password change or disabling the agent
    # bumps it, so all earlier tokens stop working at once (services/agents.py).
    token_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Optional second factor (RFC 6238, handoff_service/totp.py): base32 secret, and the last time step used,
    # so one code cannot be replayed.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_last_step: Mapped[int | None] = mapped_column(Integer)


class Ticket(Base):
    __tablename__ = "tickets"
    __table_args__ = (
        # At most one open ticket per conversation, enforced by the database itself.
        Index(
            "uq_tickets_open_conversation",
            "conversation_id",
            unique=True,
            sqlite_where=text(OPEN_STATUS_SQL),
            postgresql_where=text(OPEN_STATUS_SQL),
        ),
        Index("ix_tickets_queue", "status", "queue_key", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(255), index=True)
    channel: Mapped[str] = mapped_column(String(64), default="unknown")
    customer_first_name: Mapped[str | None] = mapped_column(String(120))
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    priority: Mapped[Priority] = mapped_column(_enum(Priority, "priority"), default=Priority.normal)
    intensity: Mapped[float | None]
    dominant_emotion: Mapped[str | None] = mapped_column(String(64))
    emotion_timeline: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    summary: Mapped[str] = mapped_column(Text, default="")
    summary_source: Mapped[str] = mapped_column(String(16), default="bot")
    slots: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    transcript: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    preferred_mode: Mapped[PreferredMode] = mapped_column(
        _enum(PreferredMode, "preferred_mode"), default=PreferredMode.chat
    )
    callback_phone: Mapped[str | None] = mapped_column(String(64))
    callback_time: Mapped[str | None] = mapped_column(String(120))
    # Where the customer's and the agent's browsers meet for a video call (video tickets only).
    video_room: Mapped[str | None] = mapped_column(String(255))
    # Which escalation trigger fired, and the customer's words that caused it.
    trigger: Mapped[str | None] = mapped_column(String(64))
    trigger_words: Mapped[str | None] = mapped_column(Text)
    # Who the customer is, as the bot knew it (contracts #2): verified, name, policies, open claims.
    customer_context: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    outcome: Mapped[ResolveOutcome | None] = mapped_column(_enum(ResolveOutcome, "resolve_outcome", 32))
    # What search matches besides the summary and messages: the customer's own words, the details' and the
    # context's values, policy numbers written in the chat (normalised); never JSON keys (services/history.py).
    search_text: Mapped[str] = mapped_column(Text, default="", server_default="")
    # The last queue position the customer was told, so moves up the queue are announced once.
    notified_position: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[TicketStatus] = mapped_column(_enum(TicketStatus, "ticket_status"), default=TicketStatus.queued)
    # Ordering key with ageing built in: queued_at minus priority boost (see services/queue.py).
    queue_key: Mapped[datetime] = mapped_column(UTCDateTime)
    assigned_agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    transferred_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    abandoned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    assigned_agent: Mapped[Agent | None] = relationship(lazy="joined")
    messages: Mapped[list[Message]] = relationship(
        back_populates="ticket", order_by="Message.id", lazy="raise_on_sql", cascade="all, delete-orphan"
    )


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (UniqueConstraint("ticket_id", "external_id", name="uq_messages_ticket_external"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    sender: Mapped[Sender] = mapped_column(_enum(Sender, "sender"))
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    text: Mapped[str] = mapped_column(Text)
    external_id: Mapped[str | None] = mapped_column(String(255))
    # The emotion the bot read in a customer message (0-1), so the console's timeline grows live.
    intensity: Mapped[float | None]
    emotion: Mapped[str | None] = mapped_column(String(64))
    band: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    ticket: Mapped[Ticket] = relationship(back_populates="messages")


class TicketNote(Base):
    """An agent's internal note on a ticket: shown to agents only, never sent to the customer."""

    __tablename__ = "ticket_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    agent: Mapped[Agent] = relationship(lazy="joined")


class SavedReply(Base):
    """A reply an agent can insert with one click; shared by the agents of one team."""

    __tablename__ = "saved_replies"
    __table_args__ = (UniqueConstraint("team", "title", name="uq_saved_replies_team_title"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team: Mapped[str] = mapped_column(String(64), index=True)
    title: Mapped[str] = mapped_column(String(120))
    text: Mapped[str] = mapped_column(Text)
    created_by_agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Survey(Base):
    __tablename__ = "surveys"
    __table_args__ = (UniqueConstraint("conversation_id", "ticket_id", name="uq_surveys_conversation_ticket"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(255), index=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    score: Mapped[int]
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Delivery(Base):
    """Outbox row: something to send to Rasa; written in the same transaction as its cause."""

    __tablename__ = "deliveries"
    __table_args__ = (Index("ix_deliveries_pending", "status", "conversation_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(255))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    kind: Mapped[DeliveryKind] = mapped_column(_enum(DeliveryKind, "delivery_kind"))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[DeliveryStatus] = mapped_column(
        _enum(DeliveryStatus, "delivery_status"), default=DeliveryStatus.pending
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Set when an agent retries a failed row: the retry cap counts attempts from here (attempts is never reset,
    # so a re-sent row is still checked against the tracker first).
    attempts_before_retry: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Lease so that two worker processes never send the same row at the same time.
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LoginThrottle(Base):
    """Failed sign-ins per account and per client address (services/login_throttle.py).

    The key is a SHA-256 of "account:<e-mail>" or "address:<ip>", so the table holds no address or e-mail.
    """

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ErasureRecord(Base):
    """That a customer's data was erased, by whom and how much: never who the customer was (retention.py)."""

    __tablename__ = "erasure_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    requested_by: Mapped[str] = mapped_column(String(120))
    # The data-protection request's own reference (e.g. "DSAR-2026-0042"), never a name or a policy number.
    reference: Mapped[str | None] = mapped_column(String(120))
    counts: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class JobLease(Base):
    """A periodic job that must run once per period across every replica (retention): a conditional UPDATE
    of ``next_run_at`` decides which replica runs it."""

    __tablename__ = "job_leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    next_run_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Attachment(Base):
    """A photo or PDF the customer sent with their ticket. The bytes live in the attachments directory
    under ``storage_key`` (random: never the customer's file name); ``content_type`` comes from the
    file's first bytes, not from its name or the browser's claim."""

    __tablename__ = "attachments"
    __table_args__ = (UniqueConstraint("storage_key", name="uq_attachments_storage_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    content_type: Mapped[str] = mapped_column(String(64))
    # What the customer called it, for display only (stored raw, escaped where shown).
    file_name: Mapped[str] = mapped_column(String(255))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
