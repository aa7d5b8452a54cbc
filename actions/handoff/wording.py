"""What the bot says around a handoff. Validation first, the customer's own words, their name,
and an honest account of what happens next — never a cheerful filler."""
from __future__ import annotations

import random
import re
from datetime import datetime, timezone
from typing import Any

from actions.escalation import Decision

QUOTE_CHARS = 90
_MARKUP = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")


def quote(words: str) -> str:
    """The customer's words, cleaned of markup and shortened, ready to be mirrored back."""
    text = _SPACE.sub(" ", _MARKUP.sub("", words or "")).strip().strip(".!?")
    if len(text) > QUOTE_CHARS:
        text = text[:QUOTE_CHARS].rsplit(" ", 1)[0] + "…"
    return text


def _with_name(template: str, name: str | None) -> str:
    return template.replace("{, name}", f", {name}" if name else "").replace(
        "{name, }", f"{name}, " if name else "")


# UK numbers, free and open day and night; said before anything about claims or colleagues.
CRISIS_LINES = ("If you might act on these feelings, or you're in danger now, please call 999. You can talk to "
                "Samaritans any time, day or night, free on 116 123.")

_ACKNOWLEDGEMENTS: dict[str, list[str]] = {
    "self_harm": [
        "Thank you for telling me{, name}. I'm really sorry you're feeling like this, and you don't have to face it "
        "alone. " + CRISIS_LINES,
    ],
    # Danger now or a threat (risk reader categories): 999 before anything else, then a person.
    "threat": [
        "If you're in danger right now{, name}, please call 999 first. You can talk to Samaritans any time, free "
        "on 116 123. I'm sorry you're going through this; you don't have to deal with it alone.",
    ],
    "danger_now": [
        "Please call 999 now if anyone is in danger{, name}; your safety comes before anything else. The insurance "
        "side can wait, and we'll help you with it when you're safe.",
    ],
    "bereavement": [
        "I'm so sorry for your loss{, name}. You don't have to sort everything out at once.",
        "I'm truly sorry{, name}. Losing someone is hard enough without paperwork, and you don't have to do this alone.",
    ],
    "serious_injury_or_illness": [
        "I'm so sorry to hear that{, name}. Your health and your family come first, and we'll take the rest step by step.",
    ],
    "financial_hardship": [
        "Thank you for telling me{, name} — that can't have been easy. There are options for customers going through money worries, and a colleague can go through them with you in confidence.",
    ],
    "fraud_or_threat": [
        "Thank you for telling me{, name}. That sounds frightening, and it needs a person straight away.",
    ],
    "explicit_request": [
        "Of course{, name}.",
        "Absolutely{, name} — you should talk to a person if that's what you'd prefer.",
    ],
    "loop": [
        "You're right{, name} — I've been going round in circles, and I'm sorry for making you repeat yourself.",
        "I'm sorry{, name}, I'm clearly not getting this right, and you shouldn't have to say it again.",
    ],
    "complex_case": [
        "\u201c{quote}\u201d — that deserves a person who can look at every detail with you{, name}.",
    ],
    "repeated_contact": [
        "\u201c{quote}\u201d — you shouldn't have had to chase us like this{, name}, and I'm sorry you have.",
        "I'm sorry{, name}: \u201c{quote}\u201d is not how it should be. Let's get this settled by a person now.",
    ],
    "unsupported_language": [
        "I'm sorry{, name} — I can only chat in English, but a colleague can help you further.",
    ],
    # Distress after something we did or failed to do: own it.
    "distress_service": [
        "\u201c{quote}\u201d — I understand why you're upset{, name}, and I'm sorry it has come to this.",
        "I'm sorry{, name}. \u201c{quote}\u201d — that's not the experience you should be having with us.",
    ],
    # Distress after something that happened to them (a theft, a flood, a crash): no blame to own, only care.
    "distress_event": [
        "\u201c{quote}\u201d — I'm so sorry{, name}. That's a horrible thing to happen, and you don't have to "
        "deal with it on your own.",
        "I'm so sorry{, name}: \u201c{quote}\u201d. That must have been a real shock, and we'll help you with "
        "what comes next.",
    ],
    "distress": [
        "{name, }I can hear how hard this has been: \u201c{quote}\u201d. You shouldn't have to deal with it on your own.",
        "\u201c{quote}\u201d — I understand why this is upsetting{, name}, and I'm glad you told me.",
    ],
}
DISTRESS_TRIGGERS = ("high_intensity", "rising_distress", "sustained_distress")
# Cue kinds (actions/emotion/cues.py) that say what the distress is about.
_SERVICE_CUES = {"waiting time", "repeated contact", "charged words", "negation", "sarcasm"}
_EVENT_CUES = {"loss", "theft", "accident or illness", "damage to home"}


def _distress_kind(cues: Any) -> str:
    kinds = {str(cue).split(":", 1)[0].strip() for cue in cues or []}
    if kinds & _SERVICE_CUES:
        return "distress_service"
    if kinds & _EVENT_CUES:
        return "distress_event"
    return "distress"


def crisis_notice(name: str | None) -> str:
    """For a customer at risk while they wait for a person (the bot is silent then, the service sends it)."""
    return _with_name("Thank you for telling us{, name}. You don't have to face this alone, and a colleague will be "
                      "with you as soon as possible. " + CRISIS_LINES, name)


def acknowledgement(decision: Decision, name: str | None, rng: random.Random | None = None) -> str:
    rng = rng or random.Random()
    key = decision.category if decision.category in _ACKNOWLEDGEMENTS else decision.trigger
    if decision.trigger in DISTRESS_TRIGGERS:
        key = _distress_kind(decision.signals.get("cues"))
    options = _ACKNOWLEDGEMENTS.get(key) or _ACKNOWLEDGEMENTS["distress"]
    text = rng.choice(options).replace("{quote}", quote(decision.words))
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
