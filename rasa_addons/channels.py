"""Chat channels whose sender ids are namespaced and, on the website, bound to a signed session (issue #19).

Rasa's own channels take the sender id from the client: whoever knew or guessed one (a chat id, a phone
number) could write into that conversation and read its replies. ``install()`` swaps Rasa's built-in
``socketio``, ``rest`` and ``callback`` channels for these subclasses (credentials.yml keeps its names):

- **socketio** (the website): a socket that connects with ``auth: {token}`` must carry a valid session token
  from ``POST /chat/session`` (rasa_addons/chat_sessions.py), or the connection is refused; the sender id is
  the token's ``sub`` (``web:<random>``). A socket without a token gets a fresh ``web:<random>`` of its own,
  good for that connection only. The ``session_id`` a browser sends is never used. The raw token travels in
  the message metadata (``heard_session``) so the action server can read a logged-in customer from it.
- **rest**: the sender id is ``rest:<what the client sent>``; with ``REST_CHANNEL_TOKEN`` set a client must
  send ``Authorization: Bearer <token>``; in the production profile the channel is off without one.
- **callback** (the messaging stand-in): ``callback:<id>`` inside Rasa, the platform's own id outside.

Replies reach a socket through a socket.io room named by the sender id (Rasa's output channel emits to it);
across Rasa replicas through rasa_addons/socket_bus.py.
"""
from __future__ import annotations

import logging
import uuid
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.callback import CallbackInput, CallbackOutput
from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from sanic import Blueprint, response
from sanic.request import Request
from socketio import AsyncServer

from rasa_addons import chat_sessions, settings, socket_bus

logger = logging.getLogger(__name__)

# Metadata key the action server reads the session token from; whatever a client put there is replaced.
SESSION_METADATA_KEY = "heard_session"


def _client_metadata(raw: Any) -> Dict[Text, Any]:
    metadata = dict(raw) if isinstance(raw, dict) else {}
    metadata.pop(SESSION_METADATA_KEY, None)
    return metadata


class SignedSocketIOInput(SocketIOInput):
    """Rasa's socket.io channel with the sender id taken from a signed session, never from the browser."""

    def __init__(self, *args: Any, session_key: Optional[str] = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.session_key = settings.CHAT_SESSION_KEY if session_key is None else session_key
        # socket id -> (sender id, raw session token or None); one entry per open socket of this process.
        self.bound: Dict[Text, tuple[Text, Optional[Text]]] = {}

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        # With replicas, a reply made by the one without this customer's socket travels over Redis.
        manager = socket_bus.client_manager(settings.CHAT_SOCKET_BUS_URL, settings.CHAT_SOCKET_BUS_CHANNEL)
        sio = AsyncServer(async_mode="sanic", cors_allowed_origins=[], client_manager=manager)
        socketio_webhook = SocketBlueprint(sio, self.socketio_path, "socketio_webhook", __name__)
        self.sio = sio

        @socketio_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> response.HTTPResponse:
            return response.json({"status": "ok"})

        @sio.on("connect", namespace=self.namespace)
        async def connect(sid: Text, environ: Dict, auth: Optional[Dict] = None) -> bool:
            token = auth.get("token") if isinstance(auth, dict) else None
            if token is None:
                self._bind(sid, chat_sessions.new_web_sender_id(), None)
                return True
            claims = chat_sessions.read(token, self.session_key)
            if claims is None:
                logger.info("socket.io connection refused: session token invalid or expired")
                return False
            self._bind(sid, claims["sub"], token)
            return True

        @sio.on("disconnect", namespace=self.namespace)
        async def disconnect(sid: Text) -> None:
            self.bound.pop(sid, None)

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: Text, data: Optional[Dict] = None) -> None:
            sender_id = self._sender(sid)
            if sender_id is None:
                return
            # The session the token names (or this socket's own): never the session_id the browser sent.
            await sio.emit("session_confirm", sender_id, room=sid)

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: Text, data: Dict) -> None:
            sender_id = self._sender(sid)
            if sender_id is None or not isinstance(data, dict):
                return
            metadata = data.get(self.metadata_key, {})
            if isinstance(metadata, str):
                import json

                try:
                    metadata = json.loads(metadata)
                except ValueError:
                    metadata = {}
            metadata = _client_metadata(metadata)
            token = self.bound[sid][1]
            if token:
                metadata[SESSION_METADATA_KEY] = token
            message = UserMessage(str(data.get("message") or ""), SocketIOOutput(sio, self.bot_message_evt),
                                  sender_id, input_channel=self.name(), metadata=metadata)
            await on_new_message(message)

        return socketio_webhook

    def _bind(self, sid: Text, sender_id: Text, token: Optional[Text]) -> None:
        self.bound[sid] = (sender_id, token)
        assert self.sio is not None
        self.sio.enter_room(sid, sender_id)  # Rasa's output channel (and the handoff's replies) emit to this room

    def _sender(self, sid: Text) -> Optional[Text]:
        entry = self.bound.get(sid)
        return entry[0] if entry else None


class _GuardedRest:
    """Bearer token and production switch for a REST-shaped channel's webhook."""

    channel: Text

    def _guard(self, blueprint: Blueprint) -> Blueprint:
        @blueprint.on_request
        async def guard(request: Request) -> Optional[response.HTTPResponse]:
            if request.method != "POST":
                return None
            refusal = chat_sessions.rest_refusal(production=settings.PRODUCTION, token=settings.REST_CHANNEL_TOKEN,
                                                 authorization=request.headers.get("Authorization"))
            return None if refusal is None else response.json({"error": refusal[1]}, status=refusal[0])

        return blueprint

    async def _namespaced_sender(self, request: Request) -> Text:
        body = request.json if isinstance(request.json, dict) else {}
        # A missing or unusable id gets a conversation of its own, never a shared "default" one.
        return chat_sessions.namespaced(self.channel, body.get("sender")) or \
            f"{chat_sessions.CHANNEL_PREFIXES[self.channel]}{uuid.uuid4().hex}"


class NamespacedRestInput(_GuardedRest, RestInput):
    channel = "rest"

    async def _extract_sender(self, req: Request) -> Optional[Text]:
        return await self._namespaced_sender(req)

    def _extract_input_channel(self, req: Request) -> Text:
        return self.name()  # a client cannot pass itself off as the website (video, delivery)

    def get_metadata(self, request: Request) -> Optional[Dict[Text, Any]]:
        body = request.json if isinstance(request.json, dict) else {}
        return _client_metadata(body.get("metadata"))

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        return self._guard(super().blueprint(on_new_message))


class PlatformIdCallbackOutput(CallbackOutput):
    """Replies go to the platform with its own id (``callback:123`` inside Rasa is ``123`` there)."""

    async def _persist_message(self, message: Dict[Text, Any]) -> None:
        recipient = message.get("recipient_id")
        if isinstance(recipient, str):
            message = {**message, "recipient_id": recipient.removeprefix(chat_sessions.CHANNEL_PREFIXES["callback"])}
        await super()._persist_message(message)


class NamespacedCallbackInput(_GuardedRest, CallbackInput):
    channel = "callback"

    async def _extract_sender(self, req: Request) -> Optional[Text]:
        return await self._namespaced_sender(req)

    def get_output_channel(self) -> CallbackOutput:
        return PlatformIdCallbackOutput(self.callback_endpoint)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        return self._guard(super().blueprint(on_new_message))


def install() -> bool:
    """Rasa builds ``socketio``, ``rest`` and ``callback`` from credentials.yml with these classes."""
    from rasa.core.channels import BUILTIN_CHANNELS

    if BUILTIN_CHANNELS.get("socketio") is SignedSocketIOInput:
        return False
    BUILTIN_CHANNELS.update({"socketio": SignedSocketIOInput, "rest": NamespacedRestInput,
                             "callback": NamespacedCallbackInput})
    return True
