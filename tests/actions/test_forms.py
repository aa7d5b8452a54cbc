"""validate_claim_form: each answer is checked, and a bad one gets a kind, specific re-ask."""
from __future__ import annotations

import datetime as dt

import pytest
from rasa_sdk.events import SlotSet

from actions.forms import ValidateClaimForm
from tests.actions.helpers import responses, slot_event, user_event

pytestmark = pytest.mark.anyio

TODAY = dt.date.today()


def form_tracker(make_tracker, requested, answer, slots=None, extracted=None):
    """The tracker validate_claim_form sees right after the customer answered ``requested``."""
    extracted = {requested: answer} if extracted is None else extracted
    return make_tracker(
        text=answer if isinstance(answer, str) else "",
        intent="inform",
        slots={**(slots or {}), **extracted, "requested_slot": requested},
        events=[user_event(answer if isinstance(answer, str) else "")]
        + [slot_event(name, value) for name, value in extracted.items()],
        active_loop="claim_form",
    )


def name_skipped_events(*kept):
    """The events after an answer to the name question that gave no name (and ``kept``, what it did give)."""
    return [SlotSet("customer_name", None), SlotSet("name_vocative", ""), SlotSet("customer_name_asked", True),
            *kept, SlotSet("requested_slot", "policy_number")]


async def test_name_is_cleaned_remembered_and_the_policy_number_asked_next(make_tracker, dispatcher, domain, db_session):
    tracker = form_tracker(make_tracker, "customer_name", "I'm <b>priya</b>")
    events = await ValidateClaimForm().run(dispatcher, tracker, domain)
    assert events == [
        SlotSet("customer_name", "Priya"),
        SlotSet("name_vocative", ", Priya"),
        SlotSet("customer_name_asked", True),
        SlotSet("requested_slot", "policy_number"),
    ]
    assert dispatcher.messages == []


@pytest.mark.parametrize("answer", ["", "😀😀😀", "no", "<script>alert(1)</script>"])
async def test_no_usable_name_is_asked_only_once(make_tracker, dispatcher, domain, answer, db_session):
    tracker = form_tracker(make_tracker, "customer_name", answer)
    events = await ValidateClaimForm().run(dispatcher, tracker, domain)
    assert events == name_skipped_events()
    assert responses(dispatcher) == ["utter_name_skipped"]


@pytest.mark.parametrize("answer", ["it was about 10am, nobody hurt, just the back bumper",
                                    "the other driver reversed into me", "  it was   at night  "])
async def test_details_given_instead_of_a_name_are_kept_as_the_description(make_tracker, dispatcher, domain, answer,
                                                                           db_session):
    tracker = form_tracker(make_tracker, "customer_name", answer)
    events = await ValidateClaimForm().run(dispatcher, tracker, domain)
    assert events == name_skipped_events(SlotSet("incident_description", " ".join(answer.split())))
    assert responses(dispatcher) == ["utter_name_skipped_details_noted"]


@pytest.mark.parametrize("answer", [
    "nobody hurt thankfully",  # three words: one under the limit
    "I'd rather not say thanks",  # a refusal is not details
    "why do you need my name?",
    "what do you need it for?",
])
async def test_a_short_answer_a_refusal_or_a_question_is_not_taken_for_details(make_tracker, dispatcher, domain,
                                                                               answer, db_session):
    tracker = form_tracker(make_tracker, "customer_name", answer)
    events = await ValidateClaimForm().run(dispatcher, tracker, domain)
    assert SlotSet("incident_description", answer) not in events
    assert responses(dispatcher) == ["utter_name_skipped"]


@pytest.mark.parametrize("answer", ["yes please", "Yes!", "sure", "ok, go ahead", "yeah of course"])
async def test_agreeing_to_give_a_name_is_asked_once_more_not_taken_as_declining(make_tracker, dispatcher, domain,
                                                                                  answer, db_session):
    tracker = form_tracker(make_tracker, "customer_name", answer)
    events = await ValidateClaimForm().run(dispatcher, tracker, domain)
    # Rasa's form asks for the still-empty slot again, with the thankful variant.
    assert events == [SlotSet("customer_name", None), SlotSet("customer_name_agreed", True)]
    assert dispatcher.messages == []


async def test_a_second_bare_yes_skips_the_name(make_tracker, dispatcher, domain, db_session):
    tracker = form_tracker(make_tracker, "customer_name", "yes", slots={"customer_name_agreed": True})
    events = await ValidateClaimForm().run(dispatcher, tracker, domain)
    assert events == name_skipped_events()
    assert responses(dispatcher) == ["utter_name_skipped"]


@pytest.mark.parametrize(("answer", "name"), [("yes, it's Sam", "Sam"), ("sure, Priya", "Priya"),
                                              ("yeah my name is Tom", "Tom"), ("ok. Ade", "Ade")])
async def test_a_name_after_a_yes_is_taken(make_tracker, dispatcher, domain, answer, name, db_session):
    tracker = form_tracker(make_tracker, "customer_name", answer)
    events = await ValidateClaimForm().run(dispatcher, tracker, domain)
    assert events[:3] == [SlotSet("customer_name", name), SlotSet("name_vocative", f", {name}"),
                          SlotSet("customer_name_asked", True)]


async def test_the_name_question_after_a_yes_thanks_and_asks_plainly(domain):
    variants = domain["responses"]["utter_ask_customer_name"]
    agreed = [v["text"] for v in variants if v.get("condition")]
    plain = [v["text"] for v in variants if not v.get("condition")]
    assert agreed and all(v["condition"] == [{"type": "slot", "name": "customer_name_agreed", "value": True}]
                          for v in variants if v.get("condition"))
    assert all("first name" in text and "before we start" not in text for text in agreed)
    assert plain


async def test_details_do_not_replace_a_description_already_given(make_tracker, dispatcher, domain, db_session):
    tracker = form_tracker(make_tracker, "customer_name", "it was about 10am on the motorway",
                           slots={"incident_description": "a lorry hit my wing mirror"})
    events = await ValidateClaimForm().run(dispatcher, tracker, domain)
    assert not any(event.get("name") == "incident_description" for event in events)
    assert responses(dispatcher) == ["utter_name_skipped_details_noted"]


async def test_a_name_from_the_channel_is_not_asked_for(make_tracker, dispatcher, domain):
    tracker = make_tracker(slots={"customer_name": "Tom", "name_vocative": ", Tom"}, active_loop="claim_form")
    required = await ValidateClaimForm().required_slots(
        domain["forms"]["claim_form"]["required_slots"], dispatcher, tracker, domain
    )
    assert required == ["policy_number", "incident_type", "incident_date", "incident_description"]


async def test_an_unknown_name_is_asked_first(make_tracker, dispatcher, domain):
    required = await ValidateClaimForm().required_slots(
        domain["forms"]["claim_form"]["required_slots"], dispatcher, make_tracker(active_loop="claim_form"), domain
    )
    assert required[0] == "customer_name"


async def test_policy_number_is_normalised_and_its_product_remembered(make_tracker, dispatcher, domain, db_session):
    tracker = form_tracker(make_tracker, "policy_number", "it's hom 204815", slots={"customer_name_asked": True})
    events = await ValidateClaimForm().run(dispatcher, tracker, domain)
    assert events == [
        SlotSet("policy_number", "HOM-204815"),
        SlotSet("product", "home"),
        SlotSet("requested_slot", "incident_type"),
    ]
    assert dispatcher.messages == []


@pytest.mark.parametrize(
    ("answer", "response", "kwargs"),
    [
        ("HOM-20481", "utter_policy_number_wrong_digits", {"seen": "HOM-20481", "prefix": "HOM"}),
        ("mot-3184021", "utter_policy_number_wrong_digits", {"seen": "MOT-3184021", "prefix": "MOT"}),
        ("ABC-123456", "utter_policy_number_wrong_prefix", {"seen": "ABC-123456"}),
        ("I don't know it", "utter_policy_number_missing", {}),
        ("", "utter_policy_number_missing", {}),
        ("😀😀", "utter_policy_number_missing", {}),
        ("x" * 10_000, "utter_policy_number_missing", {}),
        ("保单号码", "utter_policy_number_missing", {}),
        ("HOM-999999", "utter_policy_not_found", {"policy_number": "HOM-999999"}),
        ("LIF-730011", "utter_policy_is_life", {}),
    ],
)
async def test_bad_policy_numbers_get_a_specific_re_ask(make_tracker, dispatcher, domain, db_session, answer,
                                                       response, kwargs):
    tracker = form_tracker(make_tracker, "policy_number", answer, slots={"customer_name_asked": True})
    events = await ValidateClaimForm().run(dispatcher, tracker, domain)
    assert events == [SlotSet("policy_number", None), SlotSet("requested_slot", "policy_number")]
    assert responses(dispatcher) == [response]
    assert {key: dispatcher.messages[0][key] for key in kwargs} == kwargs


async def test_an_incident_that_does_not_fit_the_new_policy_is_asked_again(make_tracker, dispatcher, domain,
                                                                          db_session):
    tracker = form_tracker(make_tracker, "policy_number", "HOM-204815",
                           slots={"customer_name_asked": True, "incident_type": "flight delay"})
    events = await ValidateClaimForm().run(dispatcher, tracker, domain)
    assert events == [
        SlotSet("policy_number", "HOM-204815"),
        SlotSet("product", "home"),
        SlotSet("incident_type", None),
        SlotSet("requested_slot", "incident_type"),
    ]
    assert responses(dispatcher) == ["utter_incident_type_wrong_product"]


@pytest.mark.parametrize(
    ("answer", "expected"),
    [("a pipe burst under the sink", "burst pipe"), ("BURGLED", "burglary"), ("storm", "storm damage"),
     ("someone stole my jewellery", "theft")],
)
async def test_incident_type_in_the_customers_words(make_tracker, dispatcher, domain, answer, expected):
    tracker = form_tracker(make_tracker, "incident_type", answer,
                           slots={"customer_name_asked": True, "policy_number": "HOM-204815"})
    events = await ValidateClaimForm().run(dispatcher, tracker, domain)
    assert events == [SlotSet("incident_type", expected), SlotSet("requested_slot", "incident_date")]
    assert dispatcher.messages == []


@pytest.mark.parametrize(
    ("answer", "response"),
    [("no idea really", "utter_incident_type_unclear"), ("", "utter_incident_type_unclear"),
     ("🔥🔥", "utter_incident_type_unclear"), ("flight delay", "utter_incident_type_wrong_product")],
)
async def test_unclear_or_unfitting_incident_type_is_asked_again(make_tracker, dispatcher, domain, answer, response):
    tracker = form_tracker(make_tracker, "incident_type", answer,
                           slots={"customer_name_asked": True, "policy_number": "HOM-204815"})
    events = await ValidateClaimForm().run(dispatcher, tracker, domain)
    assert events == [SlotSet("incident_type", None), SlotSet("requested_slot", "incident_type")]
    assert responses(dispatcher) == [response]


FILLED_BEFORE_DATE = {"customer_name_asked": True, "policy_number": "HOM-204815", "incident_type": "burst pipe"}


@pytest.mark.parametrize(
    ("answer", "expected"),
    [("yesterday", TODAY - dt.timedelta(days=1)), ("3 days ago", TODAY - dt.timedelta(days=3)),
     ("it happened yesterday evening", TODAY - dt.timedelta(days=1)),
     (f"{(TODAY - dt.timedelta(days=40)):%d/%m/%Y}", TODAY - dt.timedelta(days=40))],
)
async def test_incident_date_is_read_from_free_text(make_tracker, dispatcher, domain, answer, expected):
    tracker = form_tracker(make_tracker, "incident_date", answer, slots=FILLED_BEFORE_DATE)
    events = await ValidateClaimForm().run(dispatcher, tracker, domain)
    assert events == [SlotSet("incident_date", expected.isoformat()),
                      SlotSet("requested_slot", "incident_description")]


@pytest.mark.parametrize(
    ("answer", "response"),
    [("tomorrow", "utter_incident_date_future"),
     (f"{(TODAY + dt.timedelta(days=30)):%d/%m/%Y}", "utter_incident_date_future"),
     ("12 March 2019", "utter_incident_date_too_old"),
     ("no idea", "utter_incident_date_unclear"), ("", "utter_incident_date_unclear"),
     ("📅", "utter_incident_date_unclear"), ("x" * 10_000, "utter_incident_date_unclear")],
)
async def test_future_old_or_unreadable_dates_are_asked_again(make_tracker, dispatcher, domain, answer, response):
    tracker = form_tracker(make_tracker, "incident_date", answer, slots=FILLED_BEFORE_DATE)
    events = await ValidateClaimForm().run(dispatcher, tracker, domain)
    assert events == [SlotSet("incident_date", None), SlotSet("requested_slot", "incident_date")]
    assert responses(dispatcher) == [response]


FILLED_BEFORE_DESCRIPTION = {**FILLED_BEFORE_DATE, "incident_date": TODAY.isoformat()}


@pytest.mark.parametrize(
    ("answer", "stored"),
    [("The pipe under the sink split <b>overnight</b>.", "The pipe under the sink split overnight."),
     ("<script>alert('x')</script>Water   everywhere\n\nin the kitchen", "Water everywhere in the kitchen"),
     ("水道管が破裂して台所が水浸し", "水道管が破裂して台所が水浸し"),
     ("flooded 😢", "flooded 😢")],
)
async def test_description_is_kept_as_plain_text(make_tracker, dispatcher, domain, answer, stored):
    tracker = form_tracker(make_tracker, "incident_description", answer, slots=FILLED_BEFORE_DESCRIPTION)
    events = await ValidateClaimForm().run(dispatcher, tracker, domain)
    assert events == [SlotSet("incident_description", stored), SlotSet("requested_slot", None)]


@pytest.mark.parametrize(
    ("answer", "response"),
    [("", "utter_incident_description_empty"), ("😢😢😢", "utter_incident_description_empty"),
     ("<p></p>", "utter_incident_description_empty"), ("leak", "utter_incident_description_too_short"),
     ("word " * 2_500, "utter_incident_description_too_long")],
)
async def test_empty_short_or_huge_descriptions_are_asked_again(make_tracker, dispatcher, domain, answer, response):
    tracker = form_tracker(make_tracker, "incident_description", answer, slots=FILLED_BEFORE_DESCRIPTION)
    events = await ValidateClaimForm().run(dispatcher, tracker, domain)
    assert events == [SlotSet("incident_description", None), SlotSet("requested_slot", "incident_description")]
    assert responses(dispatcher) == [response]


# A feeling instead of the answer (session 3): acknowledged, then the question again; a future date still
# gets its own reason, however the customer feels.
@pytest.mark.parametrize(("requested", "slots", "answer", "band", "response"), [
    ("incident_type", {"customer_name_asked": True, "policy_number": "HOM-204815"}, "honestly I'm in bits",
     "distressed", "utter_form_feeling_acknowledged"),
    ("incident_type", {"customer_name_asked": True, "policy_number": "HOM-204815"}, "honestly I'm in bits",
     "mild", "utter_incident_type_unclear"),
    ("incident_date", FILLED_BEFORE_DATE, "I can't even think straight", "upset", "utter_form_feeling_acknowledged"),
    ("incident_date", FILLED_BEFORE_DATE, "tomorrow", "upset", "utter_incident_date_future"),
    ("policy_number", {"customer_name_asked": True}, "this is all so stressful", "upset",
     "utter_form_feeling_acknowledged"),
])
async def test_a_feeling_instead_of_the_answer_is_acknowledged_in_the_claim_form(
        make_tracker, dispatcher, domain, db_session, requested, slots, answer, band, response):
    tracker = form_tracker(make_tracker, requested, answer, slots={**slots, "emotion_tone": band})
    events = await ValidateClaimForm().run(dispatcher, tracker, domain)
    assert events == [SlotSet(requested, None), SlotSet("requested_slot", requested)]
    assert responses(dispatcher) == [response]
