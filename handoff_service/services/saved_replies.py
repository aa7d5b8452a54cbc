"""Saved replies: shared by the agents of one team; an agent sees and edits only their own team's."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from handoff_service.models import Agent, SavedReply, utcnow
from handoff_service.services.errors import Conflict, NotFound


def list_saved_replies(*, session: Session, agent: Agent) -> list[SavedReply]:
    stmt = select(SavedReply).where(SavedReply.team == agent.team).order_by(SavedReply.title, SavedReply.id)
    return list(session.scalars(stmt))


def get_saved_reply(*, session: Session, agent: Agent, reply_id: int) -> SavedReply:
    reply = session.get(SavedReply, reply_id)
    # Another team's reply answers as missing: its existence is not this agent's business.
    if reply is None or reply.team != agent.team:
        raise NotFound(f"Saved reply {reply_id} does not exist")
    return reply


def _flush_unique(session: Session, reply: SavedReply) -> SavedReply:
    try:
        with session.begin_nested():
            session.add(reply)
            session.flush()
    except IntegrityError as exc:
        raise Conflict(f"Your team already has a saved reply called {reply.title!r}") from exc
    return reply


def create_saved_reply(*, session: Session, agent: Agent, title: str, text: str) -> SavedReply:
    now = utcnow()
    reply = SavedReply(team=agent.team, title=title.strip(), text=text, created_by_agent_id=agent.id,
                       created_at=now, updated_at=now)
    return _flush_unique(session, reply)


def update_saved_reply(*, session: Session, agent: Agent, reply_id: int, title: str, text: str) -> SavedReply:
    reply = get_saved_reply(session=session, agent=agent, reply_id=reply_id)
    reply.title, reply.text, reply.updated_at = title.strip(), text, utcnow()
    return _flush_unique(session, reply)


def delete_saved_reply(*, session: Session, agent: Agent, reply_id: int) -> None:
    session.delete(get_saved_reply(session=session, agent=agent, reply_id=reply_id))
    session.flush()
