"""A chase is claim status with the wait owned first; a next step past its date is our failing: said plainly,
with a person offered (issue #16, "A chase is not a new claim", "Whose problem is it")."""
from __future__ import annotations

import datetime as dt

import pytest
from rasa_sdk.events import FollowupAction, SlotSet
from sqlalchemy import select

from actions.claims import ActionCheckClaimStatus, is_chase, missed_call_back
from actions.insurance.dates import say_date
from actions.insurance.models import Claim, ClaimStatus
from tests.actions.helpers import responses

pytestmark = pytest.mark.anyio
TODAY = dt.date.today()
CHASE = "I sent all my documents for my claim ten days ago and heard nothing"


@pytest.mark.parametrize("text, chased", [
    (CHASE, True),
    ("still waiting on CLM-20814, any news?", True),
    ("any news on my claim?", False),
    ("it's been 3 weeks since I sent the photos", True),
    ("what's the status of my claim?", False),
    ("CLM-20814", False),
    ("", False),
    ("x" * 100_000, False),
])
def test_a_chase_is_told_apart_from_a_plain_question(text, chased):
    assert is_chase(text) is chased


async def test_a_chase_without_a_reference_owns_the_wait_then_asks_for_it(make_tracker, dispatcher, domain,
                                                                         db_session):
    events = await ActionCheckClaimStatus().run(dispatcher, make_tracker(text=CHASE, intent="claim_status"), domain)
    assert events == []
    assert responses(dispatcher) == ["utter_claim_chase_sorry", "utter_ask_which_claim"]


MISSED = "I rang on Monday about my claim and nobody called me back, this is the third time"


@pytest.mark.parametrize("text, missed", [
    (MISSED, True),
    ("you said you'd ring me yesterday about the claim and never called", True),
    ("still no callback about CLM-20814", True),
    ("I was told someone would ring me today about CLM-20814 and still nothing", True),
    ("I sent all my documents for my claim ten days ago and heard nothing", False),
    ("can someone call me back about my claim?", False),
    ("who called me about my claim?", False),
])
def test_a_missed_call_back_is_a_chase_told_apart_from_other_chases(text, missed):
    assert missed_call_back(text) is missed
    assert is_chase(text) is (missed or text == CHASE)


async def test_a_missed_call_back_is_owned_by_name_before_the_reference_is_asked(make_tracker, dispatcher, domain,
                                                                                db_session):
    events = await ActionCheckClaimStatus().run(dispatcher, make_tracker(text=MISSED, intent="claim_status"), domain)
    assert events == []
    assert responses(dispatcher) == ["utter_claim_call_back_missed_sorry", "utter_ask_which_claim"]
    assert all("call" in variant["text"] for variant in domain["responses"]["utter_claim_call_back_missed_sorry"])


def _set_due(db_session, reference: str, due: dt.date, status: ClaimStatus | None = None) -> None:
    claim = db_session.scalars(select(Claim).where(Claim.reference == reference)).one()
    claim.next_step_due_on = due
    if status is not None:
        claim.status = status
    db_session.commit()


# The next step's date is pinned: the day before today is overdue, today and tomorrow are not.
@pytest.mark.parametrize("days, overdue", [(-1, True), (0, False), (1, False)])
async def test_a_next_step_past_its_date_is_owned_and_a_person_offered(make_tracker, dispatcher, domain, db_session,
                                                                       days, overdue, verified_as):
    due = TODAY + dt.timedelta(days=days)
    _set_due(db_session, "CLM-20814", due)
    text = "any news on CLM-20814? nobody has been in touch"
    tracker = make_tracker(text=text, intent="claim_status", slots={"claim_reference": "CLM-20814",
                                                                    **verified_as("Priya")})
    events = await ActionCheckClaimStatus().run(dispatcher, tracker, domain)
    if overdue:
        assert events == [SlotSet("claim_reference", "CLM-20814"),
                          SlotSet("handoff_decision", {"trigger": "complex_case", "words": text, "priority": "high",
                                                       "immediate": True, "category": "overdue_claim",
                                                       "signals": {"due": due.isoformat()}}),
                          FollowupAction("action_offer_handoff")]
        assert responses(dispatcher) == ["utter_claim_chase_sorry", "utter_claim_status", "utter_claim_overdue"]
        assert dispatcher.messages[2]["due"] == say_date(due)
    else:
        assert events == [SlotSet("claim_reference", "CLM-20814")]
        assert responses(dispatcher) == ["utter_claim_chase_sorry", "utter_claim_status"]


@pytest.mark.parametrize("status", [ClaimStatus.SETTLED, ClaimStatus.DECLINED, ClaimStatus.AWAITING_DOCUMENTS])
async def test_a_past_date_on_a_claim_not_waiting_on_us_is_not_called_overdue(make_tracker, dispatcher, domain,
                                                                             db_session, status, verified_as):
    _set_due(db_session, "CLM-20814", TODAY - dt.timedelta(days=5), status)
    tracker = make_tracker(text="status of CLM-20814", intent="claim_status",
                           slots={"claim_reference": "CLM-20814", **verified_as("Priya")})
    events = await ActionCheckClaimStatus().run(dispatcher, tracker, domain)
    assert events == [SlotSet("claim_reference", "CLM-20814")]
    assert responses(dispatcher) == ["utter_claim_status"]


def test_the_reference_is_asked_with_care_when_the_customer_is_upset(domain):
    variants = domain["responses"]["utter_ask_claim_reference"]
    by_tone: dict = {}
    for variant in variants:
        tone = next((c["value"] for c in variant.get("condition") or [] if c["name"] == "emotion_tone"), None)
        by_tone.setdefault(tone, []).append(variant["text"])
    assert set(by_tone) == {None, "upset", "distressed", "at_risk"}
    assert all("sorry" in text.lower() and "CLM" in text for tone in ("upset", "distressed", "at_risk")
               for text in by_tone[tone])
    assert not any("sorry" in text.lower() for text in by_tone[None])  # a calm question stays plain


def test_the_question_after_an_apology_has_no_second_sorry(domain):
    assert all("sorry" not in variant["text"].lower() for variant in domain["responses"]["utter_ask_which_claim"])
