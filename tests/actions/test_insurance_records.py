"""The insurance database: migration matches the models, seeding is idempotent, and the service layer
refuses anything that would store a broken claim."""
from __future__ import annotations

import datetime as dt
import os
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import sessionmaker

from actions.insurance import service
from actions.insurance.models import Base, Claim, ClaimStatus, Customer, Policy, PolicyStatus
from actions.insurance.seed import seed_demo_data
from actions.insurance.setup import setup

TODAY = dt.date.today()


def test_migration_matches_the_models(database):
    with database.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []


def test_setup_is_idempotent(tmp_path):
    url = f"sqlite:///{tmp_path / 'insurance.db'}"
    first = setup(url)
    assert first == 4 + 7 + 5
    assert setup(url) == 0
    engine = create_engine(url)
    with sessionmaker(engine)() as session:
        assert session.scalar(select(func.count()).select_from(Claim)) == 5
        priya = session.scalar(select(Customer).where(Customer.first_name == "Priya"))
        assert sorted(policy.policy_number for policy in priya.policies) == ["HOM-204815", "MOT-318402"]
    engine.dispose()


def test_seeded_claims_cover_several_statuses(db_session):
    statuses = set(db_session.scalars(select(Claim.status)))
    assert {ClaimStatus.WITH_ASSESSOR, ClaimStatus.RECEIVED, ClaimStatus.SETTLED, ClaimStatus.APPROVED,
            ClaimStatus.AWAITING_DOCUMENTS} <= statuses
    assert seed_demo_data(db_session) == 0


def test_lookups_normalise_what_customers_type(db_session):
    assert service.find_policy(session=db_session, policy_number="hom 204815").policy_number == "HOM-204815"
    assert service.find_claim(session=db_session, reference="clm-20814").incident_type == "water damage"
    assert service.find_policy(session=db_session, policy_number="HOM-20481") is None
    assert service.find_claim(session=db_session, reference="CLM-99999") is None


GOOD = {"policy_number": "TRV-552190", "incident_type": "lost luggage",
        "incident_date": TODAY - dt.timedelta(days=5), "description": "My suitcase never arrived in Faro."}


@pytest.mark.parametrize(
    "change",
    [
        {"policy_number": "TRV-000000"},
        {"incident_type": "burst pipe"},
        {"incident_type": "<script>x</script>"},
        {"incident_date": TODAY + dt.timedelta(days=1)},
        {"incident_date": TODAY - dt.timedelta(days=4 * 365)},
        {"description": "<p>😢</p>"},
        {"description": ""},
    ],
)
def test_file_claim_rejects_invalid_details_and_stores_nothing(db_session, change):
    before = db_session.scalar(select(func.count()).select_from(Claim))
    with pytest.raises(service.ClaimRejected):
        service.file_claim(session=db_session, **{**GOOD, **change})
    assert db_session.scalar(select(func.count()).select_from(Claim)) == before


def test_file_claim_refuses_a_cancelled_policy(db_session):
    policy = service.find_policy(session=db_session, policy_number="HOM-661204")
    policy.status = PolicyStatus.CANCELLED
    db_session.flush()
    with pytest.raises(service.ClaimRejected):
        service.file_claim(session=db_session, **{**GOOD, "policy_number": "HOM-661204", "incident_type": "fire"})


def test_file_claim_stores_markup_as_plain_text_and_caps_length(db_session):
    claim = service.file_claim(session=db_session, **{**GOOD, "description": "<b>Lost</b> bag " + "a" * 5000})
    assert claim.description.startswith("Lost bag aaa")
    assert len(claim.description) == 2000
    assert db_session.get(Policy, claim.policy_id).policy_number == "TRV-552190"


@pytest.fixture
def postgres_url():
    """A fresh PostgreSQL database on the machine's server, dropped afterwards."""
    admin_url = os.getenv("TEST_POSTGRES_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"heard_insurance_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:  # noqa: BLE001 - any connection failure means "no server here"
        admin.dispose()
        pytest.skip(f"PostgreSQL not reachable at {admin_url}: {error.__class__.__name__}")
    yield admin_url.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.mark.postgres
def test_setup_and_a_claim_on_postgresql(postgres_url):
    assert setup(postgres_url) == 16
    assert setup(postgres_url) == 0
    engine = create_engine(postgres_url)
    with sessionmaker(engine, expire_on_commit=False).begin() as session:
        claim = service.file_claim(session=session, **GOOD)
    with sessionmaker(engine)() as session:
        assert service.find_claim(session=session, reference=claim.reference).status is ClaimStatus.RECEIVED
    engine.dispose()
