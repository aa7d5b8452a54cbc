"""Request and response models: they make the OpenAPI spec meaningful and reject bad input with 422.

All text fields are plain text, returned exactly as stored (raw). Whoever renders them as HTML must
escape them (the console inserts them with textContent).
"""
from __future__ import annotations

import math
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from handoff_service.config import SETTINGS
from handoff_service.models import AgentRole, Presence, PreferredMode, Priority, ResolveOutcome, Sender, TicketStatus

MAX_TEXT = SETTINGS.max_text_chars
MAX_LIST = 500
MAX_JSON_DEPTH = 6


def _check_text(value: str) -> str:
    if "\x00" in value:
        raise ValueError("text must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError("text must be valid Unicode (no lone surrogates)") from exc
    return value


def _check_json(value: Any, depth: int = 0) -> Any:
    """Slots are free-form JSON, but must be storable on both databases."""
    if depth > MAX_JSON_DEPTH:
        raise ValueError(f"nested deeper than {MAX_JSON_DEPTH} levels")
    if isinstance(value, str):
        _check_text(value)
    elif isinstance(value, float) and not math.isfinite(value):
        raise ValueError("numbers must be finite")
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_text(str(key))
            _check_json(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _check_json(item, depth + 1)
    return value


def _text(max_length: int, min_length: int = 0) -> Any:
    return Annotated[str, Field(min_length=min_length, max_length=max_length), AfterValidator(_check_text)]


LongText = _text(MAX_TEXT)
MessageText = _text(MAX_TEXT, min_length=1)
ShortText = _text(120)
Text16 = _text(16)
Text64 = _text(64)
Text200 = _text(200)
Text2000 = _text(2000)
Identifier = _text(255, min_length=1)
Phone = _text(64, min_length=3)
Email = _text(254, min_length=3)
Password = _text(1024, min_length=1)
Score = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
FiniteFloat = Annotated[float, Field(allow_inf_nan=False)]
JsonObject = Annotated[dict[str, Any], AfterValidator(_check_json)]


class _In(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=False)


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class ButtonIn(_In):
    title: Text200
    payload: _text(500)  # type: ignore[valid-type]


class TranscriptTurn(_In):
    sender: Text16 = Field(description="customer (or user), bot, agent")
    text: LongText
    timestamp: FiniteFloat | None = Field(default=None, description="Unix seconds")
    intensity: Score | None = None
    emotion: ShortText | None = None
    buttons: Annotated[list[ButtonIn], Field(max_length=10)] | None = Field(
        default=None, description="The bot's buttons: a customer line that is one of their payloads is shown as its title")


class EmotionPoint(_In):
    timestamp: FiniteFloat | None = Field(default=None, description="Unix seconds")
    turn: Annotated[int, Field(ge=0, le=100_000)] | None = None
    intensity: Score
    emotion: ShortText | None = None
    band: Text16 | None = Field(default=None, description="care band: mild, upset, distressed, at_risk")


class PolicyRef(_In):
    number: Text64
    product: Text64 | None = None
    status: Text64 | None = None


class ClaimRef(_In):
    reference: Text64
    status: Text64 | None = None


class CustomerContext(_In):
    """Who the customer is, as the bot knew it when it handed over (all optional)."""

    verified: bool = False
    customer_name: ShortText | None = None
    policies: Annotated[list[PolicyRef], Field(max_length=50)] = []
    open_claims: Annotated[list[ClaimRef], Field(max_length=50)] = []


class TicketCreate(_In):
    conversation_id: Identifier
    channel: Text64 = "unknown"
    customer_first_name: ShortText | None = None
    reasons: Annotated[list[Text200], Field(max_length=20)] = []
    priority: Priority = Priority.normal
    intensity: Score | None = None
    dominant_emotion: Text64 | None = None
    emotion_timeline: Annotated[list[EmotionPoint], Field(max_length=MAX_LIST)] = []
    summary: Text2000 | None = Field(default=None, description="Omit to get an extractive summary")
    slots: JsonObject = Field(default_factory=dict, description="Details the bot collected")
    transcript: Annotated[list[TranscriptTurn], Field(max_length=MAX_LIST)] = []
    preferred_mode: PreferredMode = PreferredMode.chat
    callback_phone: Text64 | None = None
    callback_time: ShortText | None = None
    trigger: Text64 | None = Field(default=None, description="Escalation trigger that fired, e.g. vulnerability")
    trigger_words: Text2000 | None = Field(default=None, description="The customer's words that caused it")
    customer_context: CustomerContext | None = Field(
        default=None, description="Verified identity, policies and open claims (shown in the console's customer panel)")


class CustomerMessageIn(_In):
    text: MessageText
    intensity: Score | None = Field(default=None, description="Emotional intensity the bot read in this message")
    emotion: Text64 | None = None
    band: Text16 | None = Field(default=None, description="care band: mild, upset, distressed, at_risk")
    external_id: Identifier | None = Field(
        default=None, description="Client-supplied id; retrying with the same id never duplicates"
    )
    acknowledge: bool = Field(
        default=True,
        description="While the ticket waits in the queue, tell the customer their message reached it (once per "
        "run of messages); false when the message is cancelling the wait",
    )
    urgent_notice: MessageText | None = Field(
        default=None,
        description="The message shows a risk to the customer's life (the bot decides): a waiting ticket becomes "
        "urgent and, while nobody has joined yet, this text from Heard (e.g. crisis lines) is sent at once",
    )


class ReplyIn(_In):
    text: MessageText


class ResolveIn(_In):
    outcome: ResolveOutcome | None = Field(default=None, description="How it ended (the console asks for one)")


class NoteIn(_In):
    text: MessageText


class SavedReplyIn(_In):
    title: _text(120, min_length=1)  # type: ignore[valid-type]
    text: MessageText


class CallbackIn(_In):
    phone: Phone
    preferred_time: ShortText | None = None


class SurveyIn(_In):
    conversation_id: Identifier
    ticket_id: Annotated[int, Field(ge=1, le=2**31 - 1)] | None = None
    score: Annotated[int, Field(ge=0, le=10, description="TNPS 0-10")]
    comment: Text2000 | None = None


class LoginIn(_In):
    email: Email
    password: Password
    totp_code: Annotated[str | None, Field(max_length=16, description="6-digit code, for agents with a second factor")] = None


class RefreshIn(_In):
    refresh_token: Annotated[str, Field(min_length=1, max_length=1024)]


class PasswordChangeIn(_In):
    current_password: Password
    new_password: Password


class PresenceIn(_In):
    presence: Presence


class TransferIn(_In):
    to_agent_id: Annotated[int, Field(ge=1, le=2**31 - 1)]


class AvailabilityOut(_Out):
    agents_online: int
    within_hours: bool
    next_opening: datetime | None
    offline_option: str | None = Field(description='"callback" when waiting live would not be honest')


class QueueStatusOut(_Out):
    ticket_id: int
    status: TicketStatus
    position: int | None = Field(description="1 = next; null unless queued")
    ahead: int | None
    eta_seconds: int | None = Field(description="null when no agent is online or outside hours")
    availability: AvailabilityOut


class AgentRef(_Out):
    id: int
    name: str


class AgentOut(_Out):
    id: int
    name: str
    email: str
    skills: list[str]
    presence: Presence
    role: AgentRole = AgentRole.agent
    team: str = "default"


class HeartbeatOut(_Out):
    presence: Presence = Field(description="away when the previous heartbeat came too late (presence lapsed)")
    last_seen_at: datetime
    heartbeat_seconds: int = Field(description="send the next heartbeat within this many seconds")
    timeout_seconds: float = Field(description="an online agent not heard from for this long counts as away")


class TicketOut(_Out):
    id: int
    conversation_id: str
    channel: str
    customer_first_name: str | None
    reasons: list[str]
    priority: Priority
    intensity: float | None
    dominant_emotion: str | None
    emotion_timeline: list[dict[str, Any]]
    summary: str
    summary_source: str = Field(description='"bot" or "extractive"')
    slots: dict[str, Any]
    preferred_mode: PreferredMode
    callback_phone: str | None
    callback_time: str | None
    video_room: str | None
    trigger: str | None = None
    trigger_words: str | None = None
    customer_context: dict[str, Any] | None = None
    outcome: ResolveOutcome | None = None
    status: TicketStatus
    assigned_agent: AgentRef | None
    created_at: datetime
    queued_at: datetime
    claimed_at: datetime | None
    released_at: datetime | None
    transferred_at: datetime | None
    resolved_at: datetime | None
    abandoned_at: datetime | None
    expired_at: datetime | None


class TicketCreatedOut(TicketOut):
    customer_token: str = Field(description="Lets the customer read this ticket's status only")
    queue: QueueStatusOut


class MessageOut(_Out):
    id: int
    ticket_id: int
    sender: Sender
    agent_id: int | None
    text: str
    external_id: str | None
    intensity: float | None = None
    emotion: str | None = None
    band: str | None = None
    created_at: datetime


class NoteOut(_Out):
    id: int
    ticket_id: int
    agent: AgentRef
    text: str
    created_at: datetime


class SavedReplyOut(_Out):
    id: int
    team: str
    title: str
    text: str
    created_at: datetime
    updated_at: datetime


class SuggestionOut(_Out):
    id: str
    text: str = Field(description="editable before sending")
    why: str = Field(description="what it was chosen for: band and concern")


class UnderstoodOut(_Out):
    """The summary as parts: what the bot understood, never raw payloads."""

    reason: str | None
    incident: str | None
    details: list[str]
    wants: str | None
    in_their_words: str | None
    band: str | None
    concern: str | None


class DeliveryOut(_Out):
    """Something Heard could not (yet) deliver to the customer through Rasa."""

    id: int
    kind: str = Field(description="bot_message (a reply or notice), resume (hand back to the bot), trigger_intent")
    state: Literal["failed", "retrying"] = Field(
        description="failed: retries exhausted, POST .../retry to send again; retrying: still being retried")
    text: str | None = Field(description="the message text, for bot_message")
    message_id: int | None
    attempts: int
    last_error: str | None
    next_attempt_at: datetime | None = Field(description="when the next automatic attempt is due (retrying)")
    created_at: datetime


class TicketDetailOut(TicketOut):
    transcript: list[dict[str, Any]] = Field(
        description="the conversation with the bot as people read it: button choices as their titles, commands hidden")
    understood: UnderstoodOut
    mentioned_policies: list[str] = Field(description="policy numbers the customer wrote in the conversation")
    notes: list[NoteOut] = Field(description="internal notes (agents only, never sent to the customer)")
    messages: list[MessageOut]
    delivery_problems: list[DeliveryOut] = Field(
        description="deliveries to the customer that failed or are being retried, oldest first")


class QueueItemOut(_Out):
    position: int
    waiting_seconds: int
    ticket: TicketOut


class SurveyOut(_Out):
    id: int
    conversation_id: str
    ticket_id: int | None
    score: int
    comment: str | None
    created_at: datetime


class LoginOut(_Out):
    access_token: str
    token_type: str = "bearer"
    expires_in: int
    refresh_token: str = Field(description="POST /api/v1/auth/refresh for a new access token before it expires")
    refresh_expires_in: int
    agent: AgentOut


class StreamTokenOut(_Out):
    token: str
    expires_in: int


class HealthOut(_Out):
    status: str
    database: str
    # "in-process" (one replica), "ok" or "unavailable" (Redis away: this replica's consoles still work).
    event_bus: str


class ErrorOut(_Out):
    detail: str
