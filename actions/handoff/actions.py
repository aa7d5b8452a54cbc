"""Actions around a handoff. Thin: wording, ticket building and the outbox live beside them."""
from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, ConversationPaused, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import config
from actions.claims import claim_opening_slots, say_noted_date
from actions.clients.handoff import HandoffClient, HandoffRejected, HandoffUnavailable
from actions.escalation import Decision, Turn, decide_message
from actions.escalation.settings import THRESHOLDS
from actions.handoff import history, outbox, wording
from actions.handoff.ticket import ticket_payload

logger = logging.getLogger(__name__)

ACCEPT = '/handoff_accept{{"handoff_mode":"{mode}"}}'


def current_decision(tracker: Tracker) -> Decision:
    """The decision that led here: set this turn by action_assess_message, or read from the message."""
    stored = tracker.get_slot("handoff_decision")
    if isinstance(stored, dict) and stored.get("trigger"):
        return Decision(trigger=stored["trigger"], words=stored.get("words", ""),
                        priority=stored.get("priority", "normal"), immediate=bool(stored.get("immediate")),
                        category=stored.get("category", ""), signals=stored.get("signals") or {})
    turns = history.turns(tracker)
    latest = turns[-1] if turns else Turn("")
    decision = decide_message(latest, THRESHOLDS)
    if decision:
        return decision
    # Rules offer a person for an explicit ask (or a "yes" to escalating a complaint) and after the
    # bot failed to understand twice in a row.
    asked = latest.intent in ("request_human", "affirm", "make_complaint", "handoff_accept")
    trigger = "explicit_request" if asked else "loop"
    return Decision(trigger=trigger, words=latest.text, priority="normal", immediate=True)


def _first_name(tracker: Tracker) -> str | None:
    return tracker.get_slot("customer_name") or None


class ActionOfferHandoff(Action):
    def __init__(self, client: HandoffClient | None = None) -> None:
        self.client = client or HandoffClient()

    def name(self) -> str:
        return "action_offer_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        decision = current_decision(tracker)
        name = _first_name(tracker)
        events: list[EventType] = [SlotSet("handoff_decision", decision.as_dict()), SlotSet("handoff_mode", None)]
        if tracker.active_loop_name:
            # The form waits while the customer chooses; declining brings it back.
            events += [SlotSet("handoff_interrupted_form", tracker.active_loop_name),
                       ActiveLoop(None), SlotSet("requested_slot", None)]
        said = ((tracker.latest_message or {}).get("text") or "") if decision.trigger != "explicit_request" else ""
        acknowledgement = wording.acknowledgement(decision, name, said=said or decision.words,
                                                  incident=tracker.get_slot("incident_type"))
        try:
            availability = await self.client.availability()
        except (HandoffUnavailable, HandoffRejected) as error:
            logger.warning("availability unknown: %s", error)
            availability = {"agents_online": 1, "within_hours": True}
        live = availability.get("agents_online", 0) > 0 and availability.get("within_hours", True)
        if not live:
            text = f"{acknowledgement} {wording.offline(wording.opening_time(availability.get('next_opening')))}"
            dispatcher.utter_message(text=text, buttons=[
                {"title": "Request a call back", "payload": ACCEPT.format(mode="callback")},
                {"title": "Not now", "payload": "/handoff_decline"}])
            return events
        video = history.input_channel(tracker) in config.VIDEO_CHANNELS
        buttons = [{"title": "Chat with a person" if video else "Yes, connect me",
                    "payload": ACCEPT.format(mode="chat")}]
        if video:
            buttons.append({"title": "Video call", "payload": ACCEPT.format(mode="video")})
        buttons += [{"title": "Request a call back", "payload": ACCEPT.format(mode="callback")},
                    {"title": "Not now", "payload": "/handoff_decline"}]
        dispatcher.utter_message(text=f"{acknowledgement} {wording.offer(video)}", buttons=buttons)
        return events


class ActionStartHandoff(Action):
    def __init__(self, client: HandoffClient | None = None) -> None:
        self.client = client or HandoffClient()

    def name(self) -> str:
        return "action_start_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
        if intent == "handoff_accept" and not history.offer_made(tracker):
            # Nothing was offered: "a video would be better" said in passing, or a button payload typed by
            # hand. Only the customer's answer to a question opens a ticket, so ask it.
            return [SlotSet("handoff_mode", None), FollowupAction("utter_clarify_person")]
        mode = tracker.get_slot("handoff_mode") or "chat"
        if mode == "video" and history.input_channel(tracker) not in config.VIDEO_CHANNELS:
            mode = "chat"
        if mode == "callback" and not tracker.get_slot("callback_phone"):
            return [FollowupAction("callback_form")]
        payload = ticket_payload(tracker, current_decision(tracker).as_dict(), mode)
        name = _first_name(tracker)
        try:
            created = await self.client.create_ticket(payload)
        except HandoffUnavailable as error:
            logger.warning("handoff service down, request kept: %s", error)
            outbox.enqueue_ticket(tracker.sender_id, payload)
            dispatcher.utter_message(response="utter_handoff_kept")
            return [SlotSet("handoff_pending", True)]
        except HandoffRejected as rejected:
            logger.error("handoff request refused: %s", rejected)
            dispatcher.utter_message(response="utter_handoff_unavailable")
            return []
        return self._handed_over(dispatcher, created, mode, name)

    @staticmethod
    def _handed_over(dispatcher: CollectingDispatcher, created: dict[str, Any], mode: str,
                     name: str | None) -> list[EventType]:
        queue = created.get("queue") or {}
        thanks = f"Thank you{', ' + name if name else ''}."
        if mode == "callback":
            dispatcher.utter_message(text=f"{thanks} A colleague will call you back"
                                          f"{' ' + created.get('callback_time') if created.get('callback_time') else ''}."
                                          " They'll have everything you've told me in front of them.")
            return [SlotSet("handoff_ticket_id", created.get("id"))]
        dispatcher.utter_message(text=f"{thanks} {wording.wait(queue.get('position'), queue.get('eta_seconds'))}")
        handoff = {"ticket_id": created.get("id"), "customer_token": created.get("customer_token"),
                   "mode": mode, "video_room": created.get("video_room")}
        # socket.io emits a custom message's "data"; REST and callback pass it through as "custom".
        dispatcher.utter_message(json_message={"data": {"handoff": handoff}})
        return [SlotSet("handoff_ticket_id", created.get("id")), SlotSet("handoff_pending", False),
                ConversationPaused()]


class ActionHandoffDeclined(Action):
    def name(self) -> str:
        return "action_handoff_declined"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        if not history.offer_made(tracker):
            # Nothing to decline: a "no person, please" up front, or a message misread as one.
            dispatcher.utter_message(response="utter_handoff_not_offered")
            return []
        declines = int(tracker.get_slot("handoff_declines") or 0) + 1
        # The declined decision goes too: a later offer (say, after two unclear answers) must not quote it.
        events: list[EventType] = [SlotSet("handoff_declines", declines), SlotSet("handoff_trigger", None),
                                   SlotSet("handoff_mode", None), SlotSet("handoff_decision", None)]
        form = tracker.get_slot("handoff_interrupted_form")
        if form:
            dispatcher.utter_message(response="utter_handoff_declined_continue")
            return events + [SlotSet("handoff_interrupted_form", None), FollowupAction(form)]
        answered = history.message_the_offer_answered(tracker) or {}
        if ((answered.get("parse_data") or {}).get("intent") or {}).get("name") == "file_claim":
            # The offer came instead of the claim the customer asked for: "no thanks" means "let's do it".
            _, date, slots = claim_opening_slots(tracker, answered.get("text") or "")
            dispatcher.utter_message(response="utter_handoff_declined_claim")
            say_noted_date(dispatcher, date)
            return events + slots + [FollowupAction("claim_form")]
        declined = tracker.get_slot("handoff_decision") or {}
        if declined.get("trigger") == "vulnerability":
            # After a loss or a hard disclosure, "what would you like to do next?" would be brisk.
            bereaved = declined.get("category") == "bereavement"
            dispatcher.utter_message(response="utter_handoff_declined_bereavement" if bereaved
                                     else "utter_handoff_declined_gently")
            return events
        dispatcher.utter_message(response="utter_handoff_declined")
        return events


class ActionHandoffResolved(Action):
    """Back from a person: thank them by name, then the survey (rule: tnps_form follows)."""

    def name(self) -> str:
        return "action_handoff_resolved"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        agent = next(tracker.get_latest_entity_values("agent_name"), None) or "our colleague"
        name = _first_name(tracker)
        dispatcher.utter_message(text=f"I hope {agent} could help today{', ' + name if name else ''}. "
                                      "I'm here again if you need anything else.")
        # The website chat ends the person's part (header, video, uploads) on this, not by guessing from texts.
        dispatcher.utter_message(json_message={"data": {"handoff_ended": {
            "ticket_id": tracker.get_slot("handoff_ticket_id"), "outcome": "resolved"}}})
        return [SlotSet("handoff_resolved_ticket_id", tracker.get_slot("handoff_ticket_id")),
                SlotSet("handoff_ticket_id", None), SlotSet("handoff_trigger", None),
                SlotSet("handoff_decision", None), SlotSet("handoff_mode", None)]


class ActionHandoffAbandoned(Action):
    def name(self) -> str:
        return "action_handoff_abandoned"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        dispatcher.utter_message(response="utter_handoff_abandoned")
        dispatcher.utter_message(json_message={"data": {"handoff_ended": {
            "ticket_id": tracker.get_slot("handoff_ticket_id"), "outcome": "abandoned"}}})
        return [SlotSet("handoff_ticket_id", None), SlotSet("handoff_trigger", None), SlotSet("handoff_mode", None),
                SlotSet("handoff_decision", None), SlotSet("handoff_declines",
                                                           int(tracker.get_slot("handoff_declines") or 0) + 1)]
