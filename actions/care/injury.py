"""The first words after a serious injury is disclosed: the 999 line only while help may still be needed.

"If anyone needs urgent medical help, please call 999" is the right opening when nobody knows whether help
has come. For an injured person already in hospital, or an injury in the past, it reads as a script that did
not listen; the offer of a person that follows (action_offer_handoff) carries the care. Patterns and their
reasons live in ``injury_care.yml``; anything that says someone may still need help now keeps the line.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Text, Tuple

import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.insurance.formats import plain_text

WORDS_PATH = Path(__file__).with_name("injury_care.yml")
MAX_TEXT = 2000  # the readers look at the start of a huge message only (hostile input stays linear)


def _compiled(patterns: list[str]) -> Tuple[re.Pattern, ...]:
    return tuple(re.compile(pattern, re.IGNORECASE) for pattern in patterns)


@lru_cache(maxsize=1)
def _patterns() -> Tuple[Tuple[re.Pattern, ...], Tuple[re.Pattern, ...]]:
    raw = yaml.safe_load(WORDS_PATH.read_text(encoding="utf-8"))
    return _compiled(raw["cared_for"]), _compiled(raw["still_urgent"])


def help_may_still_be_needed(text: Text | None) -> bool:
    """False only when the message says the injured person is cared for (or it is over) and nothing urgent."""
    cared_for, still_urgent = _patterns()
    plain = plain_text(text, max_length=MAX_TEXT)
    if any(pattern.search(plain) for pattern in still_urgent):
        return True
    return not any(pattern.search(plain) for pattern in cared_for)


class ActionInjuryFirstWords(Action):
    def name(self) -> Text:
        return "action_injury_first_words"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        if help_may_still_be_needed((tracker.latest_message or {}).get("text")):
            dispatcher.utter_message(response="utter_injury_safety")
        return []
