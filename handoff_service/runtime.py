"""Everything a running service shares: settings, database, event bus, video rooms, token signer, outbox worker."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from handoff_service.config import Settings
from handoff_service.events import EventBus
from handoff_service.outbox import OutboxWorker
from handoff_service.rasa_client import RasaClient
from handoff_service.security import TokenSigner
from handoff_service.services.hooks import BUS_KEY, OUTBOX_WAKER_KEY
from handoff_service.video_rooms import VideoRooms


@dataclass
class Runtime:
    settings: Settings
    session_factory: sessionmaker[Session]
    bus: EventBus
    signer: TokenSigner
    rasa: RasaClient
    engine: Engine | None = None  # set when the runtime owns (and must dispose) the engine
    worker: OutboxWorker = field(init=False)
    video: VideoRooms = field(init=False)

    def __post_init__(self) -> None:
        self.worker = OutboxWorker(session_factory=self.session, settings=self.settings, rasa=self.rasa)
        self.video = VideoRooms(self.bus)

    def session(self) -> Session:
        """A session whose commits publish staged events and wake the outbox worker."""
        session = self.session_factory()
        session.info[BUS_KEY] = self.bus
        session.info[OUTBOX_WAKER_KEY] = self.worker.wake
        return session
