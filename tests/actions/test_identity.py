"""Identity and verification (issue #19): the check, its limits, and the actions around it, against the
migrated, seeded insurance database. Demo answers: actions/insurance/seed.py (README lists them)."""
from __future__ import annotations

import datetime as dt

import pytest
from rasa_sdk.events import FollowupAction, SlotSet
from sqlalchemy import select

from actions.claims import ActionCheckClaimStatus
from actions.identity import gate, service
from actions.identity.actions import ActionStopVerification, ActionVerifyIdentity, ValidateVerifyForm
from actions.identity.readers import read_date_of_birth, read_postcode
from actions.insurance.models import Claim, Customer
from actions.policies import ActionExplainCoverage, ActionExplainRenewal
from tests.actions.helpers import responses

pytestmark = pytest.mark.anyio

NOW = dt.datetime(2026, 12, 2, 9, 0)
MARGARET = {"policy_number": "LIF-730011", "date_of_birth": dt.date(1952, 6, 21), "postcode": "BS8 1TH"}
WRONG_DATE = {**MARGARET, "date_of_birth": dt.date(1952, 6, 22)}
RULES = service.limits()
N = RULES.allowed_wrong_tries_per_conversation
M = RULES.allowed_wrong_tries_per_policy


def check(session, sender: str, answers: dict, now: dt.datetime = NOW) -> service.Check:
    return service.check_identity(session=session, sender_id=sender, now=now, **answers)


# --- readers -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("21/06/1952", dt.date(1952, 6, 21)), ("21.6.1952", dt.date(1952, 6, 21)), ("1952-06-21", dt.date(1952, 6, 21)),
    ("21st June 1952", dt.date(1952, 6, 21)), ("it's the 21st of June, 1952", dt.date(1952, 6, 21)),
    ("June 21 1952", dt.date(1952, 6, 21)),
    ("21/06/52", None),  # a two-digit year could be 1852 or 1952: asked again, never guessed
    ("31/02/1990", None), ("21/06/2990", None), ("21/06/1852", None), ("yesterday", None), ("", None),
    ("21/06/1952 " + "x" * 100, None),  # not a short answer
])
def test_dates_of_birth_are_read_only_when_unambiguous(text, expected):
    assert read_date_of_birth(text, today=dt.date(2026, 12, 2)) == expected


@pytest.mark.parametrize("text, expected", [
    ("bs8 1th", "BS81TH"), ("BS81TH", "BS81TH"), ("it's SW1A 1AA thanks", "SW1A1AA"), ("CF10 3AT", "CF103AT"),
    ("12345", None), ("BS8", None), ("ABC 123", None), ("", None),
])
def test_postcodes_are_read_and_normalised(text, expected):
    assert read_postcode(text) == expected


# --- the check and its limits --------------------------------------------------------------------------------

def test_the_right_answers_verify_the_policyholder(db_session):
    result = check(db_session, "web:right", {**MARGARET, "postcode": "bs81th", "policy_number": "lif 730011"})
    assert result.outcome is service.Outcome.VERIFIED
    margaret = db_session.scalars(select(Customer).where(Customer.first_name == "Margaret")).one()
    assert result.customer == service.VerifiedCustomer(margaret.id, "CUS-100003", "Margaret")


@pytest.mark.parametrize("answers", [
    WRONG_DATE, {**MARGARET, "postcode": "BS8 1TJ"}, {**MARGARET, "policy_number": "HOM-204815"},  # Priya's policy
    {**MARGARET, "policy_number": "LIF-999999"},  # no such policy: the same answer as a wrong date
])
def test_any_wrong_part_is_a_mismatch_without_saying_which(db_session, answers):
    assert check(db_session, "web:wrong", answers).outcome is service.Outcome.MISMATCH


# The limit is pinned: N wrong answers are forgiven (the right one still verifies), the (N+1)th locks the
# conversation, and after it even the right answers are refused.
@pytest.mark.parametrize("wrong_tries, then_right", [
    (N - 1, service.Outcome.VERIFIED), (N, service.Outcome.VERIFIED), (N + 1, service.Outcome.LOCKED)])
def test_wrong_tries_per_conversation(db_session, wrong_tries, then_right):
    outcomes = [check(db_session, "web:guesser", WRONG_DATE).outcome for _ in range(wrong_tries)]
    expected_last = service.Outcome.LOCKED if wrong_tries == N + 1 else service.Outcome.MISMATCH
    assert outcomes == [service.Outcome.MISMATCH] * (wrong_tries - 1) + [expected_last]
    assert check(db_session, "web:guesser", MARGARET).outcome is then_right
    assert service.conversation_locked(session=db_session, sender_id="web:guesser", now=NOW) is (wrong_tries > N)


def test_a_locked_conversation_does_not_lock_another(db_session):
    for _ in range(N + 1):
        check(db_session, "web:guesser", {**WRONG_DATE, "policy_number": "HOM-204815"})
    assert check(db_session, "web:someone-else", MARGARET).outcome is service.Outcome.VERIFIED


# Per policy, across conversations (a new chat does not reset a guesser): M forgiven, the (M+1)th locks.
@pytest.mark.parametrize("wrong_tries, then_right", [
    (M, service.Outcome.VERIFIED), (M + 1, service.Outcome.LOCKED)])
def test_wrong_tries_per_policy_survive_a_new_conversation(db_session, wrong_tries, then_right):
    for attempt in range(wrong_tries):
        check(db_session, f"rest:guess-{attempt}", WRONG_DATE)
    assert check(db_session, "web:fresh-conversation", MARGARET).outcome is then_right


def test_wrong_tries_outside_the_window_no_longer_count(db_session):
    for _ in range(N + 1):
        check(db_session, "web:yesterday", WRONG_DATE, now=NOW - RULES.failure_window - dt.timedelta(minutes=1))
    assert check(db_session, "web:yesterday", MARGARET).outcome is service.Outcome.VERIFIED


def test_the_conversation_is_stored_as_a_hash(db_session):
    from actions.insurance.models import IdentityEvent

    check(db_session, "telegram:447700900123", WRONG_DATE)
    stored = db_session.scalars(select(IdentityEvent.conversation)).all()
    assert stored and not any("447700900123" in value for value in stored)


@pytest.mark.parametrize("limit, per", [(RULES.max_lookups_per_conversation, "conversation"),
                                        (RULES.max_lookups_per_record, "record")])
def test_lookups_are_limited_per_conversation_and_per_record(db_session, limit, per):
    def lookup(i: int) -> bool:
        sender, subject = ("web:one", f"HOM-{i:06d}") if per == "conversation" else (f"web:{i}", "HOM-204815")
        return service.lookup_allowed(session=db_session, sender_id=sender, subject=subject, now=NOW)

    assert all(lookup(i) for i in range(limit - 1))  # below
    assert lookup(limit - 1) is True  # at: the last one allowed
    assert lookup(limit) is False  # above
    later = NOW + RULES.lookup_window + dt.timedelta(seconds=1)
    assert service.lookup_allowed(session=db_session, sender_id="web:one", subject="HOM-204815", now=later)


# --- the actions ---------------------------------------------------------------------------------------------

async def test_an_unverified_renewal_question_starts_the_check_and_keeps_the_question(make_tracker, dispatcher,
                                                                                     domain, db_session):
    tracker = make_tracker(text="when does LIF-730011 renew and what do I pay", intent="ask_renewal",
                           slots={"policy_number": "LIF-730011"})
    events = await ActionExplainRenewal().run(dispatcher, tracker, domain)
    assert events == [
        SlotSet("verification_request", {"action": "action_explain_renewal",
                                         "text": "when does LIF-730011 renew and what do I pay"}),
        SlotSet("date_of_birth", None), SlotSet("postcode", None), FollowupAction("verify_form")]
    assert responses(dispatcher) == ["utter_verify_intro"]  # no date, no premium


async def test_an_unverified_claim_status_starts_the_check(make_tracker, dispatcher, domain, db_session):
    tracker = make_tracker(text="check claim CLM-85364", intent="claim_status")
    events = await ActionCheckClaimStatus().run(dispatcher, tracker, domain)
    assert events == [
        SlotSet("verification_request", {"action": "action_check_claim_status", "text": "check claim CLM-85364"}),
        SlotSet("claim_reference", "CLM-85364"), SlotSet("date_of_birth", None), SlotSet("postcode", None),
        FollowupAction("verify_form")]
    assert responses(dispatcher) == ["utter_verify_intro"]


async def test_a_locked_conversation_is_not_asked_again_and_a_person_is_offered(make_tracker, dispatcher, domain,
                                                                              db_session):
    for _ in range(N + 1):
        check(db_session, "test-customer", WRONG_DATE, now=service.utc_now())
    tracker = make_tracker(text="what's my excess on MOT-318402", intent="ask_coverage",
                           slots={"policy_number": "MOT-318402"})
    events = await ActionExplainCoverage().run(dispatcher, tracker, domain)
    assert events == locked_events()
    assert responses(dispatcher) == ["utter_verification_locked"]


def locked_events() -> list:
    return [SlotSet("verification_request", None), SlotSet("date_of_birth", None), SlotSet("postcode", None),
            SlotSet("handoff_decision", {"trigger": "identity_check", "words": "", "priority": "normal",
                                         "immediate": True, "category": "identity_check", "signals": {}}),
            FollowupAction("action_offer_handoff")]


def answered(slots: dict, **more) -> dict:
    return {"policy_number": slots["policy_number"], "date_of_birth": slots["date_of_birth"].isoformat(),
            "postcode": slots["postcode"], **more}


async def test_the_right_answers_verify_and_answer_the_kept_request(make_tracker, dispatcher, domain, db_session,
                                                                    monkeypatch):
    monkeypatch.setattr(service, "utc_now", lambda: NOW)
    request = {"action": "action_explain_renewal", "text": "when does LIF-730011 renew"}
    tracker = make_tracker(text="BS8 1TH", slots=answered(MARGARET, verification_request=request))
    events = await ActionVerifyIdentity().run(dispatcher, tracker, domain)
    margaret = db_session.scalars(select(Customer).where(Customer.first_name == "Margaret")).one()
    assert events == [
        SlotSet("date_of_birth", None), SlotSet("postcode", None),
        SlotSet("verified_customer", {"customer_id": margaret.id, "customer_number": "CUS-100003",
                                      "first_name": "Margaret", "via": "chat", "verified_at": NOW.isoformat()}),
        SlotSet("customer_name", "Margaret"), SlotSet("name_vocative", ", Margaret"),
        FollowupAction("action_explain_renewal")]
    assert responses(dispatcher) == ["utter_verified"]


async def test_the_kept_request_is_answered_after_the_check(make_tracker, dispatcher, domain, db_session, verified_as):
    request = {"action": "action_explain_renewal", "text": "when does LIF-730011 renew"}
    tracker = make_tracker(text="BS8 1TH", intent="inform",
                           slots={"policy_number": "LIF-730011", "verification_request": request,
                                  **verified_as("Margaret")})
    tracker.latest_action_name = gate.VERIFY_ACTION
    events = await ActionExplainRenewal().run(dispatcher, tracker, domain)
    assert events == [SlotSet("verification_request", None)]
    assert responses(dispatcher) == ["utter_renewal_date"]
    assert dispatcher.messages[0]["premium"] == "22.40"


async def test_a_claim_status_after_the_check_reads_the_kept_question(make_tracker, dispatcher, domain, db_session,
                                                                     verified_as):
    request = {"action": "action_check_claim_status", "text": "still waiting on CLM-20814, any news?"}
    tracker = make_tracker(text="LS6 2AB", intent="inform",
                           slots={"verification_request": request, **verified_as("Priya")})
    tracker.latest_action_name = gate.VERIFY_ACTION
    events = await ActionCheckClaimStatus().run(dispatcher, tracker, domain)
    assert events == [SlotSet("verification_request", None), SlotSet("claim_reference", "CLM-20814")]
    assert responses(dispatcher) == ["utter_claim_status"]  # the chase was owned before the check


async def test_wrong_answers_ask_again_without_saying_which(make_tracker, dispatcher, domain, db_session):
    tracker = make_tracker(text="BS8 1TH", slots=answered(WRONG_DATE))
    events = await ActionVerifyIdentity().run(dispatcher, tracker, domain)
    assert events == [SlotSet("date_of_birth", None), SlotSet("postcode", None), SlotSet("policy_number", None),
                      FollowupAction("verify_form")]
    assert responses(dispatcher) == ["utter_verification_mismatch"]


async def test_the_wrong_try_over_the_limit_locks_kindly(make_tracker, dispatcher, domain, db_session):
    for _ in range(N):
        check(db_session, "test-customer", WRONG_DATE, now=service.utc_now())
    tracker = make_tracker(text="BS8 1TH", slots=answered(WRONG_DATE))
    events = await ActionVerifyIdentity().run(dispatcher, tracker, domain)
    assert events == [SlotSet("date_of_birth", None), SlotSet("postcode", None), SlotSet("policy_number", None),
                      *locked_events()]
    assert responses(dispatcher) == ["utter_verification_locked"]


async def test_leaving_the_check_forgets_the_answers(make_tracker, dispatcher, domain):
    tracker = make_tracker(slots={"date_of_birth": "1952-06-21", "verification_request": {"action": "x"}})
    events = await ActionStopVerification().run(dispatcher, tracker, domain)
    assert events == [SlotSet("date_of_birth", None), SlotSet("postcode", None),
                      SlotSet("verification_request", None), SlotSet("requested_slot", None)]
    assert responses(dispatcher) == ["utter_verification_stopped"]


@pytest.mark.parametrize("slot, answer, stored, response", [
    ("date_of_birth", "21st June 1952", "1952-06-21", None),
    ("date_of_birth", "sometime in the fifties", None, "utter_date_of_birth_unclear"),
    ("postcode", "bs8 1th", "BS81TH", None),
    ("postcode", "why do you need that?", None, "utter_postcode_unclear"),
    ("policy_number", "lif 730011", "LIF-730011", None),
    ("policy_number", "LIF-7300", None, "utter_policy_number_wrong_digits"),
])
async def test_each_answer_is_checked_for_its_form_only(make_tracker, dispatcher, domain, slot, answer, stored,
                                                        response):
    validate = getattr(ValidateVerifyForm(), f"validate_{slot}")
    assert validate(answer, dispatcher, make_tracker(text=answer), domain) == {slot: stored}
    assert responses(dispatcher) == ([response] if response else [])


def test_a_lapsed_verification_no_longer_counts(make_tracker, verified_as, db_session):
    slots = verified_as("Priya")
    tracker = make_tracker(slots=slots)
    at = dt.datetime.fromisoformat(slots["verified_customer"]["verified_at"])
    assert gate.verified_customer(tracker, now=at + RULES.verified_for) is not None
    assert gate.verified_customer(tracker, now=at + RULES.verified_for + dt.timedelta(seconds=1)) is None


def test_seeded_claims_are_marked_verified(db_session):
    assert set(db_session.scalars(select(Claim.reported_verified))) == {True}


# --- a logged-in website customer ----------------------------------------------------------------------------

SESSION_KEY = "chat-session-key-for-tests-0123456789abcdef"


def website_tracker(make_tracker, token, sender_id: str = "web:abc"):
    tracker = make_tracker(text="when does my policy renew", intent="ask_renewal",
                           metadata={"heard_session": token} if token else {})
    tracker.sender_id = sender_id
    return tracker


@pytest.fixture
def session_key(monkeypatch):
    from actions import config

    monkeypatch.setattr(config, "CHAT_SESSION_KEY", SESSION_KEY)
    return SESSION_KEY


def session_token(customer, sender_id="web:abc", key=SESSION_KEY, ttl=600):
    import jwt

    from rasa_addons import chat_sessions

    now = dt.datetime.now(dt.timezone.utc)
    claims = {"sub": sender_id, "aud": chat_sessions.AUDIENCE, "iat": now, "exp": now + dt.timedelta(seconds=ttl)}
    if customer:
        claims["customer"] = customer
    return jwt.encode(claims, key, algorithm="HS256")


def test_a_session_naming_a_customer_verifies_them(make_tracker, db_session, session_key, monkeypatch):
    from actions.identity.web_identity import website_identity_events

    monkeypatch.setattr(service, "utc_now", lambda: NOW)
    margaret = db_session.scalars(select(Customer).where(Customer.first_name == "Margaret")).one()
    events = website_identity_events(website_tracker(make_tracker, session_token("CUS-100003")))
    assert events == [SlotSet("verified_customer", {"customer_id": margaret.id, "customer_number": "CUS-100003",
                                                    "first_name": "Margaret", "via": "website",
                                                    "verified_at": NOW.isoformat()})]


@pytest.mark.parametrize("token, sender_id", [
    (session_token(None), "web:abc"),  # an anonymous session
    (session_token("CUS-100003", sender_id="web:someone-else"), "web:abc"),  # another conversation's token
    (session_token("CUS-100003", key="another-key-0123456789-0123456789abc"), "web:abc"),  # forged
    (session_token("CUS-100003", ttl=-120), "web:abc"),  # expired
    (session_token("CUS-999999"), "web:abc"),  # no such customer
    (session_token("CUS-100003", sender_id="rest:abc"), "rest:abc"),  # not a website session
    (None, "web:abc"),
])
def test_nothing_else_verifies_a_website_customer(make_tracker, db_session, session_key, token, sender_id):
    from actions.identity.web_identity import website_identity_events

    assert website_identity_events(website_tracker(make_tracker, token, sender_id)) == []


# --- who the agent sees (contracts.md #2) --------------------------------------------------------------------

def test_the_ticket_says_who_a_verified_customer_is(make_tracker, db_session, verified_as):
    from actions.handoff.ticket import ticket_payload

    decision = {"trigger": "explicit_request", "words": "can I talk to someone", "priority": "normal"}
    verified = ticket_payload(make_tracker(slots=verified_as("Priya")), decision, "chat")["customer_context"]
    assert verified == {
        "verified": True, "customer_name": "Priya Shah",
        "policies": [{"number": "HOM-204815", "product": "home", "status": "active"},
                     {"number": "MOT-318402", "product": "motor", "status": "active"}],
        "open_claims": [{"reference": "CLM-20814", "status": "with_assessor"},
                        {"reference": "CLM-20877", "status": "approved"}]}
    # Someone who has not verified is shown as such, whatever policy number they typed.
    unverified = ticket_payload(make_tracker(slots={"policy_number": "HOM-204815"}), decision, "chat")
    assert unverified["customer_context"] == {"verified": False}


async def test_an_excess_question_is_answered_with_the_figures_after_the_check(make_tracker, dispatcher, domain,
                                                                             db_session, verified_as):
    request = {"action": "action_explain_coverage", "text": "what's my excess on MOT-318402"}
    tracker = make_tracker(text="LS6 2AB", intent="inform",
                           slots={"policy_number": "MOT-318402", "verification_request": request,
                                  **verified_as("Priya")})
    tracker.latest_action_name = gate.VERIFY_ACTION
    events = await ActionExplainCoverage().run(dispatcher, tracker, domain)
    assert events == [SlotSet("verification_request", None)]
    assert responses(dispatcher) == ["utter_policy_cover_summary"]  # the postcode is no unclear follow-up
    assert dispatcher.messages[0]["excess"] == 350


# A feeling instead of the answer is acknowledged before the question comes again (session 3).
@pytest.mark.parametrize("band, response", [
    ("mild", None), ("positive", None), (None, None),                      # no feeling to acknowledge
    ("upset", "utter_form_feeling_acknowledged"), ("distressed", "utter_form_feeling_acknowledged"),
])
@pytest.mark.parametrize("slot, plain_response", [
    ("policy_number", "utter_policy_number_missing"),
    ("date_of_birth", "utter_date_of_birth_unclear"),
    ("postcode", "utter_postcode_unclear"),
])
async def test_a_feeling_instead_of_the_answer_is_acknowledged(make_tracker, dispatcher, domain, band, response,
                                                               slot, plain_response):
    text = "it's really stressing me out to be honest"
    validate = getattr(ValidateVerifyForm(), f"validate_{slot}")
    tracker = make_tracker(text=text, slots={"emotion_tone": band, "name_vocative": ", Priya"})
    assert validate(text, dispatcher, tracker, domain) == {slot: None}
    assert responses(dispatcher) == [response or plain_response]
    if response:
        assert dispatcher.messages[0]["name_vocative"] == ", Priya"


async def test_a_wrong_looking_number_still_gets_its_specific_hint_when_upset(make_tracker, dispatcher, domain):
    tracker = make_tracker(text="HOM-20481 ffs", slots={"emotion_tone": "upset"})
    assert ValidateVerifyForm().validate_policy_number("HOM-20481 ffs", dispatcher, tracker, domain) == {
        "policy_number": None}
    assert responses(dispatcher) == ["utter_policy_number_wrong_digits"]
