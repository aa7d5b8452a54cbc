"""What the bot says around a handoff. Validation first, the concern named in the bot's own words, the
customer's name, and an honest account of what happens next — never a cheerful filler. Wording lives in
``acknowledgements.yml``."""
from __future__ import annotations

import random
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import yaml

from actions.complaints import waited_for
from actions.escalation import Decision
from actions.escalation.decision import SAFETY_CATEGORIES
from actions.insurance.formats import plain_text
from actions.insurance.incidents import IncidentType, find_incident_type


def _with_name(template: str, name: str | None) -> str:
    return template.replace("{, name}", f", {name}" if name else "").replace(
        "{name, }", f"{name}, " if name else "")


_CONTENT: dict[str, Any] = yaml.safe_load(Path(__file__).with_name("acknowledgements.yml").read_text(encoding="utf-8"))
_ACKNOWLEDGEMENTS: dict[str, list[str]] = _CONTENT["acknowledgements"]
_CONCERNS: dict[str, str] = _CONTENT["concerns"]

# UK numbers, free and open day and night; said before anything about claims or colleagues.
CRISIS_LINES = ("If you might act on these feelings, or you're in danger now, please call 999. You can talk to "
                "Samaritans any time, day or night, free on 116 123.")
DISTRESS_TRIGGERS = ("high_intensity", "rising_distress", "sustained_distress")
# Cue kinds (actions/emotion/cues.py) that say what the distress is about.
_SERVICE_CUES = {"waiting time", "repeated contact", "charged words", "negation", "sarcasm"}
_EVENT_CUES = {"loss", "theft", "accident or illness", "damage to home"}
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")


def _distress_kind(cues: Any) -> str:
    kinds = {str(cue).split(":", 1)[0].strip() for cue in cues or []}
    if kinds & _SERVICE_CUES:
        return "distress_service"
    if kinds & _EVENT_CUES:
        return "distress_event"
    return "distress"


def _incident_phrase(incident: IncidentType, words: set[str]) -> str:
    if incident.name == "theft":
        thing = next((thing for thing in _CONTENT["taken_things"] if thing in words), None)
        if thing:
            return _CONTENT["taken"].format(thing=thing)
    return _CONTENT["incident_phrases"].get(incident.name, f"the {incident.name}")


def _missing(words: set[str], text: str) -> str:
    for entry in _CONTENT["missing"]:
        if not entry["words"] or any((w in words) if " " not in w else (w in text) for w in entry["words"]):
            return entry["phrase"]
    return "an update"


def concern(said: str, category: str = "", incident_name: str | None = None) -> str | None:
    """The customer's concern named in the bot's own words, from what was understood (the incident, how
    long they waited, what went wrong), or None when nothing was understood well enough to name."""
    text = plain_text(said, max_length=2000).lower()
    words = set(_WORD.findall(text))
    incident = find_incident_type(incident_name) or find_incident_type(text)
    waited = waited_for(text)
    incident_words = _incident_phrase(incident, words) if incident else None
    if category == "declined_or_disputed_claim":
        key = "declined_claim_incident" if incident else "declined_claim"
        return _CONCERNS[key].format(incident_name=incident.name if incident else "")
    if category == "repeated_contact":
        return incident_words  # the templates already say "again and again"
    if waited:
        key = "waited_and_incident" if incident else "waited"
        return _CONCERNS[key].format(waited=waited.lower(), missing=_missing(words, text), incident=incident_words)
    if category == "large_loss" and not incident:
        return _CONCERNS["large_loss"]
    return incident_words


def crisis_notice(name: str | None) -> str:
    """For a customer at risk while they wait for a person (the bot is silent then, the service sends it)."""
    return _with_name("Thank you for telling us{, name}. You don't have to face this alone, and a colleague will be "
                      "with you as soon as possible. " + CRISIS_LINES, name)


def acknowledgement(decision: Decision, name: str | None, rng: random.Random | None = None,
                    said: str | None = None, incident: str | None = None) -> str:
    """Validation before the offer, naming the concern (from ``said``, the customer's message, and the
    ``incident`` slot) in the bot's own words; never the customer's message quoted back."""
    rng = rng or random.Random()
    key = decision.category if decision.category in _ACKNOWLEDGEMENTS else decision.trigger
    if decision.trigger in DISTRESS_TRIGGERS:
        key = _distress_kind(decision.signals.get("cues"))
    options = _ACKNOWLEDGEMENTS.get(key) or _ACKNOWLEDGEMENTS["distress"]
    named = None if decision.category in SAFETY_CATEGORIES else concern(said or decision.words, decision.category, incident)
    usable = [option for option in options if ("{concern" in option) == (named is not None)] or \
        [option for option in options if "{concern" not in option]
    text = rng.choice(usable).replace("{crisis_lines}", CRISIS_LINES)
    if named:
        text = text.replace("{concern_capitalised}", named[0].upper() + named[1:]).replace("{concern}", named)
    return _with_name(text, name)


def offer(video_possible: bool) -> str:
    if video_possible:
        return ("A colleague can take over now and will see everything you've told me, so you won't have to repeat it. "
                "Would you like to talk by chat or by video?")
    return ("A colleague can take over here in the chat now and will see everything you've told me, "
            "so you won't have to repeat it. Shall I connect you?")


def offline(next_opening: str | None) -> str:
    back = f" We're back {next_opening}." if next_opening else ""
    return ("Our team isn't available to chat right now, and I don't want to leave you waiting without knowing."
            f"{back} I can ask a colleague to call you back — or I'm here if you'd like to carry on with me.")


def opening_time(value: Any, now: datetime | None = None) -> str | None:
    """'today at 08:00', 'tomorrow at 08:00', 'on Monday at 08:00' from the service's ISO timestamp, read in
    the timestamp's own time zone (the business hours' zone)."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        today = (now or datetime.now()).date()
    else:
        today = (now or datetime.now(timezone.utc)).astimezone(moment.tzinfo).date()
    days = (moment.date() - today).days
    if days == 0:
        day = "today"
    elif days == 1:
        day = "tomorrow"
    elif 1 < days < 7:
        day = f"on {moment:%A}"
    else:
        day = f"on {moment:%A} {moment.day} {moment:%B}"
    return f"{day} at {moment:%H:%M}"


def wait(position: int | None, eta_seconds: int | None) -> str:
    if not position:
        return "A colleague will be with you shortly."
    place = "next in the queue" if position == 1 else f"number {position} in the queue"
    if eta_seconds is None:
        return f"You're {place}. I'll stay here with you and let you know if that changes."
    minutes = max(1, round(eta_seconds / 60))
    wait_text = "about a minute" if minutes == 1 else f"about {minutes} minutes"
    return f"You're {place}; the wait is {wait_text}. I'll stay here with you and let you know if that changes."
