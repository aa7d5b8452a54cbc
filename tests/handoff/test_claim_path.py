"""The claim's hot path: the agent is read by the claim itself, and on PostgreSQL a claim is one statement
outside any BEGIN/COMMIT (both backends; real commits where the test says so)."""
from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlalchemy.orm import Session

from handoff_service.config import Settings, replace_settings
from handoff_service.db import make_engine, make_session_factory, run_single_statements_without_transaction
from handoff_service.models import Agent, Ticket, TicketStatus
from handoff_service.runtime import Runtime
from handoff_service.services import claims, tickets
from handoff_service.services.errors import UnknownAgent
from handoff_service.services.tickets import TicketDraft

from .helpers import make_agent

NO_SUCH_AGENT = 987_654


def _queued(session: Session, settings: Settings, conversation_id: str) -> Ticket:
    ticket, _ = tickets.create_ticket(session=session, settings=settings,
                                      draft=TicketDraft(conversation_id=conversation_id, customer_first_name="Ann"))
    return ticket


def test_an_unknown_agent_claims_nothing_and_is_told_why(session: Session, settings: Settings) -> None:
    ticket = _queued(session, settings, "unknown-agent")
    with pytest.raises(UnknownAgent):
        claims.claim_next(session=session, settings=settings, agent_id=NO_SUCH_AGENT)
    with pytest.raises(UnknownAgent):
        claims.claim_ticket(session=session, settings=settings, agent_id=NO_SUCH_AGENT, ticket_id=ticket.id)
    session.refresh(ticket)
    assert (ticket.status, ticket.assigned_agent_id) == (TicketStatus.queued, None)
    assert [m.text for m in tickets.list_messages(session=session, ticket_id=ticket.id)] == []


def test_a_valid_token_for_a_missing_agent_gets_401_and_the_ticket_stays_queued(
    client: TestClient, runtime: Runtime, session: Session, settings: Settings
) -> None:
    ticket = _queued(session, settings, "token-for-nobody")
    session.commit()
    headers = {"Authorization": f"Bearer {runtime.signer.issue('agent', NO_SUCH_AGENT)}"}
    for path in ("/api/v1/queue/claim-next", f"/api/v1/tickets/{ticket.id}/claim"):
        response = client.post(path, headers=headers)
        assert response.status_code == 401, path
        assert response.headers["WWW-Authenticate"] == "Bearer"
    session.refresh(ticket)
    assert ticket.status == TicketStatus.queued


def test_the_claiming_agent_in_the_session_keeps_its_other_attributes(session: Session, settings: Settings) -> None:
    # The claim maps only the agent's id and name; an agent already loaded must not lose the rest.
    sam = make_agent(session, "Sam")
    email, password_hash = sam.email, sam.password_hash
    ticket = claims.claim_ticket(session=session, settings=settings, agent_id=sam.id,
                                 ticket_id=_queued(session, settings, "same-agent").id)
    assert ticket.assigned_agent is sam
    assert (sam.name, sam.email, sam.password_hash) == ("Sam", email, password_hash)


def test_a_claim_is_one_statement_without_a_transaction_on_postgresql(fresh_db_url: str, settings: Settings) -> None:
    """Real commits: the route's session, bound to the engine as in the service."""
    settings = replace_settings(settings, join_message="Hi {first_name}, I'm {agent_name}.")
    engine = make_engine(fresh_db_url, pool_size=1, max_overflow=0) if "postgresql" in fresh_db_url else (
        make_engine(fresh_db_url))
    factory = make_session_factory(engine)
    with factory() as session:
        agent_id = make_agent(session, "Sam").id
        ticket_id = _queued(session, settings, "one-statement").id
        session.commit()
    executed: list[tuple[str, bool]] = []

    def record(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        executed.append((statement, bool(getattr(conn.connection.dbapi_connection, "autocommit", False))))

    event.listen(engine, "before_cursor_execute", record)
    try:
        with factory() as session:
            run_single_statements_without_transaction(session)
            ticket = claims.claim_next(session=session, settings=settings, agent_id=agent_id)
            assert ticket is not None and ticket.id == ticket_id
            assert ticket.assigned_agent is not None and ticket.assigned_agent.name == "Sam"
            session.commit()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    try:
        if engine.dialect.name == "postgresql":
            # Agent, claim, "joined", greeting and its outbox row: one round trip, atomic on its own.
            assert len(executed) == 1 and executed[0][1] is True, executed
            with factory() as session:  # the pool gave the connection back with transactions on
                assert session.connection().connection.dbapi_connection.autocommit is False
        else:
            # SQLite writes the rows one by one, so they keep their transaction.
            assert len(executed) > 1
            assert "BEGIN IMMEDIATE" in executed[0][0]
        with factory() as session:
            texts = [m.text for m in tickets.list_messages(session=session, ticket_id=ticket_id)]
            assert texts == ["Sam joined the conversation.", "Hi Ann, I'm Sam."]
            assert session.get(Agent, agent_id) is not None
    finally:
        engine.dispose()
