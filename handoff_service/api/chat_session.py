"""``POST /chat/session``: a signed website chat session, before the widget connects to Rasa's socket.io.

The widget calls it on the chat page's own origin and passes the token on connect
(``io(url, {path: "/socket.io", auth: {token}})``); Rasa's channel takes the conversation's sender id from
the token, never from the browser (rasa_addons/channels.py). A page of the insurer's site where the customer
is logged in passes the customer's identity token (signed with ``CUSTOMER_IDENTITY_KEY``); the session then
names the customer, and the bot treats them as verified. Contract: docs/architecture.md ("Website sessions").
"""
from __future__ import annotations

from typing import Annotated, Optional

from fastapi import APIRouter, Body, HTTPException
from pydantic import BaseModel, ConfigDict, Field

from handoff_service.api.deps import RuntimeDep
from handoff_service.api.schemas import ErrorOut
from rasa_addons import chat_sessions

router = APIRouter(tags=["customer"])


class ChatSessionIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    identity: Optional[Annotated[str, Field(min_length=1, max_length=8192)]] = Field(
        default=None, description="A logged-in customer's identity JWT, signed by the insurer's site")


class ChatSessionOut(BaseModel):
    token: str = Field(description="JWT for Rasa's socket.io channel: io(url, {auth: {token}})")
    sender_id: str = Field(description="The conversation's id, web:<random>")
    expires_at: str = Field(description="ISO 8601; ask for a new session after it")
    verified: bool = Field(description="True when the identity token named a customer")


@router.post(
    "/chat/session",
    response_model=ChatSessionOut,
    responses={401: {"model": ErrorOut, "description": "The identity token is invalid or expired"}},
    summary="A signed chat session for the website widget (optionally for a logged-in customer)",
)
def create_chat_session(runtime: RuntimeDep, body: Annotated[Optional[ChatSessionIn], Body()] = None) -> ChatSessionOut:
    settings = runtime.settings
    customer = None
    if body is not None and body.identity is not None:
        customer = chat_sessions.read_identity(body.identity, settings.customer_identity_key,
                                               settings.customer_identity_algorithm, settings.customer_identity_issuer)
        if customer is None:
            # Not silently anonymous: the page would show a logged-in customer an unverified chat.
            raise HTTPException(status_code=401, detail="identity token invalid or expired")
    key = chat_sessions.session_key(settings.chat_session_secret, settings.secret_key)
    token, sender_id, expires = chat_sessions.issue(key, ttl_seconds=settings.chat_session_ttl_seconds,
                                                    customer=customer)
    return ChatSessionOut(token=token, sender_id=sender_id, expires_at=expires.isoformat(), verified=customer is not None)
