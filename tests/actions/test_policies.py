"""Cover, documents and renewal answers, with the customer's own policy when we know it."""
from __future__ import annotations

import datetime as dt

import pytest
from rasa_sdk.events import FollowupAction

from actions.insurance.dates import say_date
from actions.policies import ActionExplainCoverage, ActionExplainDocuments, ActionExplainRenewal
from tests.actions.helpers import responses, user_event

pytestmark = pytest.mark.anyio


async def test_coverage_for_a_named_product(make_tracker, dispatcher, domain, db_session):
    events = await ActionExplainCoverage().run(dispatcher, make_tracker(slots={"product": "travel"}), domain)
    assert events == []
    assert responses(dispatcher) == ["utter_coverage_travel"]


async def test_coverage_with_the_customers_policy_adds_their_cover_level(make_tracker, dispatcher, domain, db_session,
                                                                        verified_as):
    tracker = make_tracker(slots={"policy_number": "mot-318402", **verified_as("Priya")})
    events = await ActionExplainCoverage().run(dispatcher, tracker, domain)
    assert events == []
    assert responses(dispatcher) == ["utter_coverage_motor", "utter_policy_cover_summary"]
    summary = dispatcher.messages[1]
    assert (summary["policy_number"], summary["cover_level"], summary["excess"]) == ("MOT-318402", "Comprehensive", 350)


# An unknown number and another customer's policy read the same: trying numbers teaches nothing.
@pytest.mark.parametrize("policy_number", ["TRV-000001", "TRV-552190"])
async def test_coverage_with_a_policy_that_is_not_theirs_says_so(make_tracker, dispatcher, domain, db_session,
                                                                 verified_as, policy_number):
    tracker = make_tracker(slots={"policy_number": policy_number, **verified_as("Priya")})
    events = await ActionExplainCoverage().run(dispatcher, tracker, domain)
    assert events == []
    assert responses(dispatcher) == ["utter_coverage_travel", "utter_policy_not_yours"]


async def test_coverage_without_a_product_asks_which(make_tracker, dispatcher, domain):
    events = await ActionExplainCoverage().run(dispatcher, make_tracker(text="what am I covered for"), domain)
    assert events == []
    assert responses(dispatcher) == ["utter_ask_product_for_coverage"]


async def test_documents_for_an_incident_name_it_and_offer_a_claim(make_tracker, dispatcher, domain):
    tracker = make_tracker(slots={"incident_type": "lost luggage"})
    events = await ActionExplainDocuments().run(dispatcher, tracker, domain)
    assert events == []
    assert responses(dispatcher) == ["utter_documents_travel", "utter_documents_incident", "utter_offer_claim"]
    assert "property irregularity report" in dispatcher.messages[1]["documents"]


async def test_documents_during_a_claim_do_not_offer_another_claim(make_tracker, dispatcher, domain):
    tracker = make_tracker(slots={"product": "home"}, active_loop="claim_form")
    await ActionExplainDocuments().run(dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_documents_home"]


async def test_documents_for_life_cover_offer_no_form(make_tracker, dispatcher, domain):
    await ActionExplainDocuments().run(dispatcher, make_tracker(slots={"product": "life"}), domain)
    assert responses(dispatcher) == ["utter_documents_life"]


async def test_documents_without_a_product_asks_which(make_tracker, dispatcher, domain):
    await ActionExplainDocuments().run(dispatcher, make_tracker(slots={"incident_type": "theft"}), domain)
    assert responses(dispatcher) == ["utter_ask_product_for_documents"]


async def test_renewal_date_of_the_customers_policy(make_tracker, dispatcher, domain, db_session, verified_as):
    tracker = make_tracker(slots={"policy_number": "HOM-204815", **verified_as("Priya")})
    events = await ActionExplainRenewal().run(dispatcher, tracker, domain)
    assert events == []
    [message] = dispatcher.messages
    assert message["response"] == "utter_renewal_date"
    assert message["renews_on"] == say_date(dt.date.today() + dt.timedelta(days=101))
    assert message["premium"] == "31.50"
    assert message["product"] == "home"


async def test_renewal_without_a_policy_number_explains_renewals(make_tracker, dispatcher, domain):
    await ActionExplainRenewal().run(dispatcher, make_tracker(slots={"policy_number": "HOM-12"}), domain)
    assert responses(dispatcher) == ["utter_renewal"]


@pytest.mark.parametrize("action", [ActionExplainCoverage, ActionExplainDocuments, ActionExplainRenewal])
@pytest.mark.parametrize("text", ["asdkjh qwpoeiru", "😡😡😡", "我的车被偷了", "", "x" * 10_000])
async def test_a_follow_up_naming_nothing_gets_the_rephrase_as_its_own_action(make_tracker, dispatcher, domain,
                                                                              action, text):
    tracker = make_tracker(text=text, intent="inform", slots={"product": "home", "policy_number": "HOM-204815"})
    events = await action().run(dispatcher, tracker, domain)
    assert events == [FollowupAction("utter_inform_unclear")]
    assert dispatcher.messages == []


async def test_a_follow_up_naming_a_product_is_answered(make_tracker, dispatcher, domain, db_session):
    tracker = make_tracker(text="travel", intent="inform", slots={"product": "travel"},
                           entities=[{"entity": "product", "value": "travel", "start": 0, "end": 6}])
    await ActionExplainCoverage().run(dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_coverage_travel"]


async def test_the_policy_named_in_this_message_wins_over_an_earlier_product(make_tracker, dispatcher, domain,
                                                                             db_session, verified_as):
    tracker = make_tracker(text="what does MOT-318402 cover", intent="ask_coverage",
                           slots={"product": "home", "policy_number": "MOT-318402", **verified_as("Priya")},
                           entities=[{"entity": "policy_number", "value": "MOT-318402", "start": 10, "end": 20}])
    await ActionExplainCoverage().run(dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_coverage_motor", "utter_policy_cover_summary"]


def test_incidents_are_spoken_with_the_right_article():
    from actions.insurance.incidents import BY_NAME

    assert BY_NAME["burst pipe"].spoken == "a burst pipe"
    assert BY_NAME["water damage"].spoken == "water damage"
    assert BY_NAME["lost luggage"].spoken == "lost luggage"


async def test_an_excess_question_about_their_policy_gets_their_figures_without_an_overview(make_tracker, dispatcher,
                                                                                           domain, db_session, verified_as):
    tracker = make_tracker(text="what's my excess on MOT-318402", intent="ask_coverage",
                           slots={"policy_number": "MOT-318402", **verified_as("Priya")},
                           entities=[{"entity": "policy_number", "value": "MOT-318402", "start": 20, "end": 30}])
    await ActionExplainCoverage().run(dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_policy_cover_summary"]
    assert dispatcher.messages[0]["excess"] == 350


async def test_a_policy_number_given_after_an_excess_question_gets_the_figures_alone(make_tracker, dispatcher,
                                                                                     domain, db_session, verified_as):
    asked = [user_event("how much is my excess", "ask_coverage"),
             {"event": "action", "name": "action_explain_coverage", "timestamp": 1763780100.5},
             {"event": "action", "name": "action_listen", "timestamp": 1763780100.6}]
    tracker = make_tracker(text="MOT-318402", intent="inform", history=asked,
                           slots={"policy_number": "MOT-318402", **verified_as("Priya")},
                           entities=[{"entity": "policy_number", "value": "MOT-318402", "start": 0, "end": 10}])
    await ActionExplainCoverage().run(dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_policy_cover_summary"]
    assert dispatcher.messages[0]["excess"] == 350


async def test_an_excess_question_without_a_known_policy_still_gets_the_overview(make_tracker, dispatcher, domain,
                                                                                 db_session):
    tracker = make_tracker(text="what's the excess on motor insurance", intent="ask_coverage",
                           slots={"product": "motor"})
    await ActionExplainCoverage().run(dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_coverage_motor"]


async def test_what_an_excess_is_is_explained_without_asking_which_product(make_tracker, dispatcher, domain):
    tracker = make_tracker(text="what's an excess?", intent="ask_coverage")
    assert await ActionExplainCoverage().run(dispatcher, tracker, domain) == []
    assert responses(dispatcher) == ["utter_excess_explained"]
