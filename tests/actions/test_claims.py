"""Claims actions: acknowledge, store, leave, and report status, against a migrated SQLite database."""
from __future__ import annotations

import datetime as dt

import pytest
from rasa_sdk.events import SlotSet
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import sessionmaker

from actions.claims import (
    ActionAcknowledgeClaim,
    ActionCheckClaimStatus,
    ActionClearClaimForm,
    ActionSubmitClaim,
)
from actions.insurance import db
from actions.insurance.dates import say_date
from actions.insurance.models import Claim, ClaimStatus
from tests.actions.helpers import responses

pytestmark = pytest.mark.anyio

TODAY = dt.date.today()
COMPLETE_CLAIM = {
    "customer_name": "Priya",
    "name_vocative": ", Priya",
    "policy_number": "HOM-204815",
    "incident_type": "burst pipe",
    "incident_date": (TODAY - dt.timedelta(days=2)).isoformat(),
    "incident_description": "The pipe under the kitchen sink split and <b>soaked</b> the floor.",
}


def claim_count(session) -> int:
    return session.scalar(select(func.count()).select_from(Claim))


async def test_acknowledges_the_incident_in_the_customers_terms(make_tracker, dispatcher, domain):
    tracker = make_tracker(text="my car was stolen", intent="file_claim", slots={"incident_type": "theft"})
    events = await ActionAcknowledgeClaim().run(dispatcher, tracker, domain)
    assert events == [SlotSet("incident_type", "theft")]
    assert responses(dispatcher) == ["utter_claim_acknowledge_incident"]
    assert dispatcher.messages[0]["incident"] == "theft"


async def test_a_theft_of_a_car_asks_for_a_motor_policy_number(make_tracker, dispatcher, domain):
    tracker = make_tracker(text="my car was stolen", intent="file_claim",
                           slots={"incident_type": "theft", "product": "motor"})
    events = await ActionAcknowledgeClaim().run(dispatcher, tracker, domain)
    assert events == [SlotSet("incident_type", "theft"), SlotSet("policy_number_example", "MOT-123456")]


async def test_a_date_said_in_the_opening_message_is_not_asked_again(make_tracker, dispatcher, domain):
    tracker = make_tracker(text="my car was stolen last night", intent="file_claim", slots={"incident_type": "theft"})
    events = await ActionAcknowledgeClaim().run(dispatcher, tracker, domain)
    yesterday = dt.date.today() - dt.timedelta(days=1)
    assert events == [SlotSet("incident_type", "theft"), SlotSet("incident_date", yesterday.isoformat())]
    assert responses(dispatcher) == ["utter_claim_acknowledge_incident", "utter_claim_date_noted"]
    assert dispatcher.messages[1]["date"] == say_date(yesterday)  # said back, so a wrong reading shows


async def test_a_date_already_given_is_kept(make_tracker, dispatcher, domain):
    tracker = make_tracker(text="it was stolen yesterday", intent="file_claim",
                           slots={"incident_type": "theft", "incident_date": "2026-11-02"})
    assert await ActionAcknowledgeClaim().run(dispatcher, tracker, domain) == [SlotSet("incident_type", "theft")]


async def test_acknowledgement_reads_the_incident_from_the_text_when_no_entity_was_found(make_tracker, dispatcher,
                                                                                          domain):
    tracker = make_tracker(text="a pipe burst under the sink", intent="file_claim")
    events = await ActionAcknowledgeClaim().run(dispatcher, tracker, domain)
    assert events == [SlotSet("incident_type", "burst pipe"), SlotSet("policy_number_example", "HOM-123456")]
    assert dispatcher.messages[0]["incident"] == "burst pipe"


async def test_a_motor_incident_asks_for_a_motor_policy_number(make_tracker, dispatcher, domain):
    tracker = make_tracker(text="I was in a car accident, I'm ok but shaken", intent="file_claim")
    events = await ActionAcknowledgeClaim().run(dispatcher, tracker, domain)
    assert events[-1] == SlotSet("policy_number_example", "MOT-123456")
    asks = [variant["text"] for variant in domain["responses"]["utter_ask_policy_number"]]
    assert all("{policy_number_example}" in text for text in asks)


@pytest.mark.parametrize("text", ["I need to make a claim", "", "😢", "x" * 10_000, "我要索赔"])
async def test_acknowledgement_without_a_known_incident(make_tracker, dispatcher, domain, text):
    events = await ActionAcknowledgeClaim().run(dispatcher, make_tracker(text=text, intent="file_claim"), domain)
    assert events == []
    assert responses(dispatcher) == ["utter_claim_acknowledge"]


async def test_submit_stores_the_claim_and_gives_a_fresh_reference(make_tracker, dispatcher, domain, db_session,
                                                                   verified_as):
    before = claim_count(db_session)
    tracker = make_tracker(slots={**COMPLETE_CLAIM, **verified_as("Priya")})
    events = await ActionSubmitClaim().run(dispatcher, tracker, domain)

    stored = db_session.scalars(select(Claim).order_by(Claim.id.desc())).first()
    assert claim_count(db_session) == before + 1
    assert events == [
        SlotSet("claim_reference", stored.reference),
        SlotSet("incident_type", None),
        SlotSet("incident_date", None),
        SlotSet("incident_description", None),
    ]
    assert stored.reference.startswith("CLM-") and len(stored.reference) == 9
    assert stored.policy.policy_number == "HOM-204815"
    assert stored.incident_type == "burst pipe"
    assert stored.incident_date == TODAY - dt.timedelta(days=2)
    assert stored.description == "The pipe under the kitchen sink split and soaked the floor."
    assert stored.status is ClaimStatus.RECEIVED
    assert stored.reported_verified is True
    [message] = dispatcher.messages
    assert message["response"] == "utter_claim_submitted"
    assert message["reference"] == stored.reference
    assert message["incident"] == "burst pipe"
    assert message["policy_number"] == "HOM-204815"
    assert message["due"] == say_date(TODAY + dt.timedelta(days=1))


# Anyone may report a claim (issue #19); one reported without verification is marked for the handler, and
# so is one verified as someone else than the policyholder.
@pytest.mark.parametrize("verified", [None, "Tom"])
async def test_a_claim_reported_without_verification_is_stored_and_marked(make_tracker, dispatcher, domain, db_session,
                                                                          verified_as, verified):
    slots = {**COMPLETE_CLAIM, **(verified_as(verified) if verified else {})}
    events = await ActionSubmitClaim().run(dispatcher, make_tracker(slots=slots), domain)
    stored = db_session.scalars(select(Claim).order_by(Claim.id.desc())).first()
    assert events == [SlotSet("claim_reference", stored.reference), SlotSet("incident_type", None),
                      SlotSet("incident_date", None), SlotSet("incident_description", None)]
    assert stored.reported_verified is False and stored.policy.policy_number == "HOM-204815"
    assert responses(dispatcher) == ["utter_claim_submitted", "utter_claim_identity_check"]


async def test_a_reference_already_taken_is_never_reused(make_tracker, dispatcher, domain, db_session, monkeypatch,
                                                         verified_as):
    # CLM-20814 is seeded; the second claim's first guess is the first claim's reference.
    guesses = iter([10814, 10815, 10815, 10816])
    monkeypatch.setattr("actions.insurance.service.secrets.randbelow", lambda _: next(guesses))
    slots = {**COMPLETE_CLAIM, **verified_as("Priya")}
    await ActionSubmitClaim().run(dispatcher, make_tracker(slots=slots), domain)
    await ActionSubmitClaim().run(dispatcher, make_tracker(slots=slots), domain)
    assert [message["reference"] for message in dispatcher.messages] == ["CLM-20815", "CLM-20816"]
    stored = db_session.scalars(select(Claim.reference).where(Claim.reference.in_(["CLM-20815", "CLM-20816"])))
    assert sorted(stored) == ["CLM-20815", "CLM-20816"]


@pytest.mark.parametrize(
    "tampered",
    [
        {"policy_number": "HOM-999999"},
        {"policy_number": "not a policy"},
        {"incident_type": "flight delay"},
        {"incident_date": "yesterday"},
        {"incident_date": (TODAY + dt.timedelta(days=3)).isoformat()},
        {"incident_description": "😢😢"},
        {"incident_description": None},
    ],
)
async def test_invalid_slots_store_nothing_and_say_so_kindly(make_tracker, dispatcher, domain, db_session, tampered):
    before = claim_count(db_session)
    events = await ActionSubmitClaim().run(dispatcher, make_tracker(slots={**COMPLETE_CLAIM, **tampered}), domain)
    assert events == []
    assert responses(dispatcher) == ["utter_claim_not_saved"]
    assert claim_count(db_session) == before


async def test_leaving_the_form_forgets_its_answers(make_tracker, dispatcher, domain):
    events = await ActionClearClaimForm().run(dispatcher, make_tracker(slots=COMPLETE_CLAIM), domain)
    assert events == [
        SlotSet("policy_number", None),
        SlotSet("incident_type", None),
        SlotSet("incident_date", None),
        SlotSet("incident_description", None),
        SlotSet("requested_slot", None),
    ]
    assert dispatcher.messages == []


async def test_status_of_a_seeded_claim(make_tracker, dispatcher, domain, db_session, verified_as):
    tracker = make_tracker(text="any news on clm-20814?", intent="claim_status",
                           entities=[{"entity": "claim_reference", "value": "clm-20814", "start": 12, "end": 21}],
                           slots={"claim_reference": "clm-20814", **verified_as("Priya")})
    events = await ActionCheckClaimStatus().run(dispatcher, tracker, domain)
    assert events == [SlotSet("claim_reference", "CLM-20814")]
    [message] = dispatcher.messages
    assert message["response"] == "utter_claim_status"
    assert message["reference"] == "CLM-20814"
    assert message["incident"] == "water damage"
    assert message["status_text"] == "with the assessor team"
    assert message["next_step"] == "a loss assessor visits the property to see the damage"
    assert message["due_text"] == f", by {say_date(TODAY + dt.timedelta(days=3))}"


async def test_status_uses_the_reference_remembered_from_earlier(make_tracker, dispatcher, domain, db_session,
                                                               verified_as):
    tracker = make_tracker(text="what's the status of my claim?", intent="claim_status",
                           slots={"claim_reference": "CLM-19542", **verified_as("Tom")})
    events = await ActionCheckClaimStatus().run(dispatcher, tracker, domain)
    assert events == [SlotSet("claim_reference", "CLM-19542")]
    assert dispatcher.messages[0]["due_text"] == ""
    assert "waiting for a document" in dispatcher.messages[0]["status_text"]


@pytest.mark.parametrize("reference", ["CLM-99999", "CLM-19542"])  # none at all, and Tom's
async def test_a_claim_that_is_not_the_verified_customers_reads_as_unknown(make_tracker, dispatcher, domain,
                                                                          db_session, verified_as, reference):
    tracker = make_tracker(text=reference, intent="inform", slots={"claim_reference": reference,
                                                                   **verified_as("Priya")})
    events = await ActionCheckClaimStatus().run(dispatcher, tracker, domain)
    assert events == [SlotSet("claim_reference", None)]
    assert responses(dispatcher) == ["utter_claim_not_found"]
    assert dispatcher.messages[0]["reference"] == reference


async def test_malformed_claim_reference_is_named_back(make_tracker, dispatcher, domain, db_session):
    tracker = make_tracker(text="it's clm 2081", intent="inform")
    events = await ActionCheckClaimStatus().run(dispatcher, tracker, domain)
    assert events == []
    assert responses(dispatcher) == ["utter_claim_reference_malformed"]
    assert dispatcher.messages[0]["seen"] == "CLM-2081"


@pytest.mark.parametrize("text", ["where is my claim up to", "", "😡😡", "x" * 10_000, "我的索赔怎么样了"])
async def test_no_reference_asks_for_one(make_tracker, dispatcher, domain, db_session, text):
    events = await ActionCheckClaimStatus().run(dispatcher, make_tracker(text=text, intent="claim_status"), domain)
    assert events == []
    assert responses(dispatcher) == ["utter_ask_claim_reference"]


@pytest.fixture
def records_down(tmp_path):
    """Sessions that cannot connect: the database file would sit in a directory that does not exist."""
    engine = create_engine(f"sqlite:///{tmp_path / 'missing' / 'insurance.db'}")
    db.use_session_factory(sessionmaker(bind=engine))
    yield
    db.use_session_factory(None)
    engine.dispose()


async def test_status_when_the_records_are_unreachable(make_tracker, dispatcher, domain, records_down):
    tracker = make_tracker(text="status of CLM-20814", intent="claim_status", slots={"claim_reference": "CLM-20814"})
    events = await ActionCheckClaimStatus().run(dispatcher, tracker, domain)
    assert events == []
    assert responses(dispatcher) == ["utter_records_unavailable"]


async def test_submit_when_the_records_are_unreachable_keeps_the_answers(make_tracker, dispatcher, domain,
                                                                        records_down):
    events = await ActionSubmitClaim().run(dispatcher, make_tracker(slots=COMPLETE_CLAIM), domain)
    assert events == []
    assert responses(dispatcher) == ["utter_claim_not_saved"]
