"""Handoff actions with a fake handoff service: what the customer is told and the full event list,
when agents are online, when nobody is, and when the service is down."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from rasa_sdk.events import ActiveLoop, ConversationPaused, FollowupAction, SlotSet
from sqlalchemy import select

from actions.clients.handoff import HandoffUnavailable
from actions.handoff.actions import ActionHandoffDeclined, ActionOfferHandoff, ActionStartHandoff
from actions.handoff.outbox import HandoffWork
from tests.actions.helpers import responses, user_event

pytestmark = pytest.mark.anyio

DECISION = {"trigger": "high_intensity", "words": "nobody has called me in three weeks", "priority": "high",
            "immediate": False, "category": "", "signals": {}}
TOMORROW_8AM = (datetime.now(timezone.utc) + timedelta(days=1)).replace(hour=8, minute=0, second=0,
                                                                        microsecond=0).isoformat()
# Earlier in the session: a charged message, and the bot's offer of a person.
OFFERED = [user_event("nobody has called me in three weeks", "make_complaint"),
           {"event": "action", "name": "action_offer_handoff", "timestamp": 1763780100.5},
           {"event": "action", "name": "action_listen", "timestamp": 1763780100.6}]


class FakeHandoff:
    """Answers like the handoff service's bot API; ``down`` makes every call fail like a dead service."""

    def __init__(self, agents_online: int = 1, within_hours: bool = True, down: bool = False) -> None:
        self.availability_answer = {"agents_online": agents_online, "within_hours": within_hours,
                                    "next_opening": TOMORROW_8AM, "offline_option": "callback"}
        self.down = down
        self.created: list[dict] = []

    async def availability(self) -> dict:
        if self.down:
            raise HandoffUnavailable("connection refused")
        return self.availability_answer

    async def create_ticket(self, ticket: dict) -> dict:
        if self.down:
            raise HandoffUnavailable("connection refused")
        self.created.append(ticket)
        return {"id": 7, "customer_token": "tok", "video_room": None,
                "queue": {"position": 2, "eta_seconds": 240}}


async def test_offer_validates_mirrors_and_names(make_tracker, dispatcher, domain):
    tracker = make_tracker(text="nobody has called me in three weeks about the burst pipe", intent="claim_status",
                           slots={"customer_name": "Priya", "handoff_decision": DECISION})
    events = await ActionOfferHandoff(FakeHandoff()).run(dispatcher, tracker, domain)
    assert events == [SlotSet("handoff_decision", DECISION), SlotSet("handoff_mode", None)]
    [message] = dispatcher.messages
    # The concern in the bot's own words, from the message and what was understood: never the message itself.
    assert "Priya" in message["text"] and "nobody has called me" not in message["text"]
    assert "three weeks without a call back about the burst pipe" in message["text"].lower()
    assert "won't have to repeat" in message["text"]
    payloads = [b["payload"] for b in message["buttons"]]
    assert payloads == ['/handoff_accept{"handoff_mode":"chat"}', '/handoff_accept{"handoff_mode":"callback"}',
                        "/handoff_decline"]  # REST: no video button


async def test_offer_when_nobody_is_available_is_honest_and_offers_a_call_back(make_tracker, dispatcher, domain):
    tracker = make_tracker(text="can I talk to someone", intent="request_human")
    await ActionOfferHandoff(FakeHandoff(agents_online=0, within_hours=False)).run(dispatcher, tracker, domain)
    [message] = dispatcher.messages
    assert "isn't available to chat right now" in message["text"] and "back tomorrow at 08:00" in message["text"]
    assert [b["payload"] for b in message["buttons"]] == ['/handoff_accept{"handoff_mode":"callback"}',
                                                          "/handoff_decline"]


async def test_offer_mid_form_pauses_the_form(make_tracker, dispatcher, domain):
    tracker = make_tracker(text="this is a nightmare", intent="inform", active_loop="claim_form",
                           slots={"handoff_decision": DECISION})
    events = await ActionOfferHandoff(FakeHandoff()).run(dispatcher, tracker, domain)
    assert events == [SlotSet("handoff_decision", DECISION), SlotSet("handoff_mode", None),
                      SlotSet("handoff_interrupted_form", "claim_form"), ActiveLoop(None),
                      SlotSet("requested_slot", None)]


async def test_declining_brings_the_form_back(make_tracker, dispatcher, domain):
    tracker = make_tracker(text="/handoff_decline", intent="handoff_decline", history=OFFERED,
                           slots={"handoff_interrupted_form": "claim_form", "handoff_declines": 1})
    events = await ActionHandoffDeclined().run(dispatcher, tracker, domain)
    assert events == [SlotSet("handoff_declines", 2), SlotSet("handoff_trigger", None), SlotSet("handoff_mode", None),
                      SlotSet("handoff_decision", None), SlotSet("handoff_interrupted_form", None),
                      FollowupAction("claim_form")]
    assert [m["response"] for m in dispatcher.messages] == ["utter_handoff_declined_continue"]


async def test_declining_an_offer_is_counted(make_tracker, dispatcher, domain):
    tracker = make_tracker(text="not right now thanks", intent="handoff_decline", history=OFFERED)
    events = await ActionHandoffDeclined().run(dispatcher, tracker, domain)
    assert events == [SlotSet("handoff_declines", 1), SlotSet("handoff_trigger", None), SlotSet("handoff_mode", None),
                      SlotSet("handoff_decision", None)]
    assert responses(dispatcher) == ["utter_handoff_declined"]


@pytest.mark.parametrize("category, response", [("bereavement", "utter_handoff_declined_bereavement"),
                                                ("financial_hardship", "utter_handoff_declined_gently")])
async def test_declining_after_a_loss_or_a_hard_disclosure_is_answered_gently(make_tracker, dispatcher, domain,
                                                                              category, response):
    decision = {**DECISION, "trigger": "vulnerability", "category": category, "priority": "urgent"}
    tracker = make_tracker(text="/handoff_decline", intent="handoff_decline", history=OFFERED,
                           slots={"handoff_decision": decision})
    events = await ActionHandoffDeclined().run(dispatcher, tracker, domain)
    assert events == [SlotSet("handoff_declines", 1), SlotSet("handoff_trigger", None), SlotSet("handoff_mode", None),
                      SlotSet("handoff_decision", None)]
    assert responses(dispatcher) == [response]


async def test_declining_an_offer_made_instead_of_a_claim_starts_the_claim(make_tracker, dispatcher, domain):
    """"My car was stolen last night" was offered a person; "not now" means: then let's do the claim."""
    offered_on_a_claim = [user_event("my car was stolen last night", "file_claim"), *OFFERED[1:]]
    tracker = make_tracker(text="/handoff_decline", intent="handoff_decline", history=offered_on_a_claim,
                           slots={"customer_name": "Tom", "handoff_decision": DECISION})
    events = await ActionHandoffDeclined().run(dispatcher, tracker, domain)
    yesterday = (datetime.now().date() - timedelta(days=1))
    assert events == [SlotSet("handoff_declines", 1), SlotSet("handoff_trigger", None), SlotSet("handoff_mode", None),
                      SlotSet("handoff_decision", None), SlotSet("incident_type", "theft"),
                      SlotSet("incident_date", yesterday.isoformat()), FollowupAction("claim_form")]
    assert responses(dispatcher) == ["utter_handoff_declined_claim", "utter_claim_date_noted"]


async def test_a_decline_with_no_offer_made_is_not_a_decline(make_tracker, dispatcher, domain):
    """A message misread as "no thanks" must not get "the offer stands" when nothing was offered."""
    tracker = make_tracker(text="Sorry to bother you, I know you're busy", intent="handoff_decline")
    assert await ActionHandoffDeclined().run(dispatcher, tracker, domain) == []
    assert responses(dispatcher) == ["utter_handoff_not_offered"]


async def test_accepting_creates_the_ticket_and_pauses(make_tracker, dispatcher, domain):
    tracker = make_tracker(text='/handoff_accept{"handoff_mode":"chat"}', intent="handoff_accept", history=OFFERED,
                           slots={"handoff_mode": "chat", "customer_name": "Priya", "handoff_decision": DECISION,
                                  "policy_number": "HOM-204815"})
    fake = FakeHandoff()
    events = await ActionStartHandoff(fake).run(dispatcher, tracker, domain)
    assert events == [SlotSet("handoff_ticket_id", 7), SlotSet("handoff_pending", False), ConversationPaused()]
    assert "number 2 in the queue; the wait is about 4 minutes" in dispatcher.messages[0]["text"]
    assert dispatcher.messages[1]["custom"] == {"data": {"handoff": {"ticket_id": 7, "customer_token": "tok",
                                                                      "mode": "chat", "video_room": None}}}
    [ticket] = fake.created
    assert ticket["trigger"] == "high_intensity" and ticket["priority"] == "high"
    assert ticket["slots"]["policy_number"] == "HOM-204815" and ticket["customer_first_name"] == "Priya"
    assert ticket["reasons"] == ["Strong emotion in one message: \u201cnobody has called me in three weeks\u201d"]
    # Bookkeeping stays out of "details collected": the decision is in reasons, the tone of "yes please" misleads.
    assert "escalation" not in ticket["slots"] and "emotion_tone" not in ticket["slots"]


@pytest.mark.parametrize("text, mode", [
    ("I watched a video about claims and it was confusing", "video"),   # a video mentioned in passing
    ('/handoff_accept{"handoff_mode":"chat"}', "chat"),                  # a button payload typed by hand
])
async def test_accepting_with_no_offer_made_asks_instead_of_opening_a_ticket(make_tracker, dispatcher, domain,
                                                                             text, mode):
    tracker = make_tracker(text=text, intent="handoff_accept", slots={"handoff_mode": mode})
    fake = FakeHandoff()
    events = await ActionStartHandoff(fake).run(dispatcher, tracker, domain)
    assert events == [SlotSet("handoff_mode", None), FollowupAction("utter_clarify_person")]
    assert dispatcher.messages == [] and fake.created == []


async def test_when_the_handoff_service_is_down_the_request_is_kept(make_tracker, dispatcher, domain, db_session):
    tracker = make_tracker(text='/handoff_accept{"handoff_mode":"chat"}', intent="handoff_accept", history=OFFERED,
                           slots={"handoff_mode": "chat", "handoff_decision": DECISION})
    events = await ActionStartHandoff(FakeHandoff(down=True)).run(dispatcher, tracker, domain)
    assert events == [SlotSet("handoff_pending", True)]  # not paused: the bot stays with the customer
    assert [m["response"] for m in dispatcher.messages] == ["utter_handoff_kept"]
    [kept] = db_session.scalars(select(HandoffWork)).all()
    assert kept.kind == "create_ticket" and kept.done_at is None
    assert kept.payload["ticket"]["trigger"] == "high_intensity"
