"""What the console shows about a ticket beyond its columns: the summary's parts, the band and concern the
suggestions follow, and policy numbers written in the chat (read at request time from what is stored)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from handoff_service.assist import Suggestion, current_band, current_concern, suggest
from handoff_service.models import Message, Sender, Ticket
from handoff_service.understood import Understood, customer_lines, mentioned_policies, understand


@dataclass(frozen=True)
class TicketView:
    understood: Understood
    mentioned_policies: list[str]
    suggestions: list[Suggestion]


def emotion_points(ticket: Ticket, messages: list[Message]) -> list[dict[str, Any]]:
    """The customer's emotion readings, oldest first: the bot's timeline, then the live messages."""
    points = [dict(p) for p in ticket.emotion_timeline or []]
    points += [{"intensity": m.intensity, "emotion": m.emotion, "band": m.band}
               for m in messages if m.sender == Sender.customer and m.intensity is not None]
    return points


def view_ticket(ticket: Ticket, messages: list[Message]) -> TicketView:
    live_texts = [m.text for m in messages if m.sender == Sender.customer]
    band = current_band(points=emotion_points(ticket, messages), trigger=ticket.trigger)
    texts = [str((ticket.slots or {}).get("incident_type") or ""), *(ticket.reasons or [])]
    texts += [str(line["text"]) for line in customer_lines(ticket.transcript or [])] + live_texts
    concern = current_concern(texts)
    understood = understand(transcript=list(ticket.transcript or []), slots=ticket.slots or {},
                            reasons=list(ticket.reasons or []), trigger=ticket.trigger,
                            preferred_mode=ticket.preferred_mode.value, band=band, concern=concern,
                            customer_context=ticket.customer_context)
    return TicketView(
        understood=understood,
        mentioned_policies=mentioned_policies(ticket.transcript or [], live_texts),
        suggestions=suggest(band=band, concern=concern, first_name=ticket.customer_first_name),
    )
