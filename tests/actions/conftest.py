"""Fixtures for action tests: the real domain, trackers built from JSON, and a migrated, seeded
SQLite database per module with each test rolled back."""
from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from actions.insurance import db
from actions.insurance.seed import seed_demo_data
from actions.insurance.setup import upgrade

PROJECT_ROOT = Path(__file__).resolve().parents[2]
TRACKER_JSON = Path(__file__).with_name("data") / "tracker.json"


@pytest.fixture(scope="session")
def domain() -> Dict[str, Any]:
    with (PROJECT_ROOT / "domain.yml").open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@pytest.fixture
def make_tracker(domain: Dict[str, Any]):
    """A tracker from tests/actions/data/tracker.json with the domain's slots, a latest user message
    (optionally with its emotion score) and optional slot values, earlier events (``history``), later
    events and active form."""

    def _make(
        text: str = "hello",
        intent: str = "greet",
        entities: Optional[List[Dict[str, Any]]] = None,
        slots: Optional[Dict[str, Any]] = None,
        metadata: Optional[Dict[str, Any]] = None,
        events: Optional[List[Dict[str, Any]]] = None,
        active_loop: Optional[str] = None,
        history: Optional[List[Dict[str, Any]]] = None,
        emotion: Optional[Dict[str, Any]] = None,
    ) -> Tracker:
        state = json.loads(TRACKER_JSON.read_text(encoding="utf-8"))
        all_slots = {name: spec.get("initial_value") for name, spec in domain["slots"].items()}
        all_slots.update({"requested_slot": None, "session_started_metadata": None})
        unknown = set(slots or {}) - set(all_slots)
        assert not unknown, f"slots not in domain.yml: {unknown}"
        all_slots.update(slots or {})
        parse_data = {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": entities or []}
        if emotion is not None:
            parse_data["emotion"] = emotion
        state["slots"] = all_slots
        state["latest_message"] = {**parse_data, "metadata": metadata or {}}
        latest = {**state["events"][-1], "text": text, "parse_data": parse_data, "metadata": metadata or {}}
        # ``history`` comes before the latest customer message, ``events`` after it.
        state["events"][-1:] = copy.deepcopy(history or []) + [latest]
        state["events"] += copy.deepcopy(events or [])
        state["active_loop"] = {"name": active_loop} if active_loop else {}
        return Tracker.from_dict(state)

    return _make


_PLACEHOLDER = re.compile(r"{([^\n{}]+?)}")


@pytest.fixture
def dispatcher(domain: Dict[str, Any]) -> Iterator[CollectingDispatcher]:
    """A CollectingDispatcher that, after the test, checks every response it was asked for exists in
    domain.yml and that each variant's placeholders are filled by a slot or a keyword argument."""
    collecting = CollectingDispatcher()
    yield collecting
    slot_names = set(domain["slots"])
    for message in collecting.messages:
        name = message.get("response")
        if name is None:
            continue
        assert name in domain["responses"], f"{name} is not in domain.yml"
        for variant in domain["responses"][name]:
            missing = set(_PLACEHOLDER.findall(variant["text"])) - slot_names - set(message)
            assert not missing, f"{name} needs {missing}"


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A SQLite file migrated with Alembic and seeded once per test module."""
    url = f"sqlite:///{tmp_path_factory.mktemp('insurance') / 'insurance.db'}"
    upgrade(url)
    engine = db.make_engine(url)  # the product's engine: its SQLite transaction hooks make rollback real
    with sessionmaker(engine).begin() as session:
        seed_demo_data(session)
    yield engine
    engine.dispose()


@pytest.fixture
def db_session(database: Engine) -> Iterator[Session]:
    """Every session the actions open joins one outer transaction that is rolled back afterwards."""
    connection = database.connect()
    transaction = connection.begin()
    factory = sessionmaker(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    db.use_session_factory(factory)
    session = factory()
    try:
        yield session
    finally:
        session.close()
        db.use_session_factory(None)
        transaction.rollback()
        connection.close()


@pytest.fixture
def verified_as(db_session: Session):
    """Slots of a conversation whose customer (a demo customer, by first name) has just passed the check."""
    from sqlalchemy import select

    from actions.identity.service import VerifiedCustomer, utc_now
    from actions.insurance.models import Customer

    def _slots(first_name: str) -> Dict[str, Any]:
        customer = db_session.scalars(select(Customer).where(Customer.first_name == first_name)).one()
        verified = VerifiedCustomer(customer.id, customer.customer_number, customer.first_name)
        return {"verified_customer": verified.as_slot(via="chat", now=utc_now())}

    return _slots


@pytest.fixture
def anyio_backend() -> str:
    # Actions' run() is a coroutine; the anyio plugin (installed with httpx) runs it on asyncio.
    return "asyncio"
