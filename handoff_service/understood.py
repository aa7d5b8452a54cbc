"""What the bot understood, for the agent: the transcript as people read it, and a summary made of parts.

The transcript the action server sends holds what Rasa saw, including button payloads such as
``/handoff_accept{"handoff_mode":"video"}``. People never typed those: ``readable_transcript`` shows a
button press as the button's title (from the bot turn before it, else ``content/transcript_labels.yml``)
and hides any other bot command. The summary is then written from what was understood:

    reason          why the bot handed over (the bot's own words, else the trigger's label)
    incident        incident type, date and description the bot collected
    details         policy, claim, product, call-back details; plus policy numbers the customer wrote
    wants           how they chose to talk to a person + their clearest request sentence
    in_their_words  the most informative and emotional sentence (summary.extractive_summary), if not already used

Wording is data (``content/understood.yml``).
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from actions.insurance.formats import read_policy_number
from handoff_service.summary import CUSTOMER_SENDERS, extractive_summary, score_sentence

CONTENT_DIR = Path(__file__).resolve().parent / "content"
_COMMAND = re.compile(r"^\s*/(?P<intent>[A-Za-z_][\w.-]*)(?P<entities>\{.*)?\s*$", re.DOTALL)
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+|\n+")
MAX_PART_CHARS = 300


@lru_cache(maxsize=4)
def _content(name: str) -> dict[str, Any]:
    return yaml.safe_load((CONTENT_DIR / name).read_text(encoding="utf-8"))


def _clip(text: str, limit: int = MAX_PART_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def is_customer(turn: Mapping[str, Any]) -> bool:
    return str(turn.get("sender", "")).lower() in CUSTOMER_SENDERS


def command_label(text: str, buttons: Iterable[Mapping[str, Any]] = ()) -> str | None:
    """A bot command typed or clicked: the button title it came from, a known label, else None (hide).

    Raises nothing; returns ``text`` unchanged only through ``readable_transcript`` for non-commands."""
    for button in buttons:
        if str(button.get("payload", "")).strip() == text.strip():
            return str(button.get("title") or "").strip() or None
    match = _COMMAND.match(text)
    if match is None:
        return None
    labels = _content("transcript_labels.yml")
    label = (labels.get("intents") or {}).get(match.group("intent"))
    if label is None:
        return None
    try:
        entities = json.loads(match.group("entities") or "{}")
    except ValueError:
        entities = {}
    mode = entities.get("handoff_mode") if isinstance(entities, dict) else None
    mode_label = (labels.get("modes") or {}).get(mode) if isinstance(mode, str) else None
    return f"{label} {mode_label}" if mode_label else label


def readable_transcript(transcript: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Turns as shown to the agent: button presses as ``{"text": title, "choice": True}``, commands left out."""
    shown: list[dict[str, Any]] = []
    last_buttons: list[Mapping[str, Any]] = []
    for turn in transcript:
        entry = {key: value for key, value in turn.items() if key != "buttons"}
        text = turn.get("text")
        if is_customer(turn) and isinstance(text, str) and text.lstrip().startswith("/"):
            label = command_label(text, last_buttons)
            if label is None:
                continue
            entry.update(text=label, choice=True)
        if not is_customer(turn):
            last_buttons = [b for b in turn.get("buttons") or [] if isinstance(b, Mapping)]
        shown.append(entry)
    return shown


def customer_lines(transcript: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """What the customer wrote themselves (no button presses, no commands)."""
    return [t for t in readable_transcript(transcript)
            if is_customer(t) and not t.get("choice") and isinstance(t.get("text"), str)]


def mentioned_policies(transcript: Iterable[Mapping[str, Any]], messages: Iterable[str] = ()) -> list[str]:
    """Policy numbers the customer wrote ("it's hom 204815" -> HOM-204815), first mention first."""
    found: list[str] = []
    texts = [str(t["text"]) for t in customer_lines(transcript)] + list(messages)
    for text in texts:
        for piece in _SENTENCE_SPLIT.split(text):
            number = read_policy_number(piece).value
            if number and number not in found:
                found.append(number)
    return found


@dataclass
class Understood:
    reason: str | None = None
    incident: str | None = None
    details: list[str] = field(default_factory=list)
    wants: str | None = None
    in_their_words: str | None = None
    band: str | None = None
    concern: str | None = None

    def as_text(self) -> str:
        parts = [("Reason", self.reason), ("Incident", self.incident),
                 ("Details", "; ".join(self.details) if self.details else None), ("Wants", self.wants),
                 ("In their words", f"\u201c{self.in_their_words}\u201d" if self.in_their_words else None)]
        return "\n".join(f"{label}: {value}" for label, value in parts if value)


def _reason(reasons: list[str], trigger: str | None) -> str | None:
    if reasons:
        # The bot writes 'Label: “the words”'; the words are shown as "in their words" below.
        return _clip(reasons[0].split(": \u201c", 1)[0])
    if trigger:
        labels = _content("understood.yml")["trigger_labels"]
        return labels.get(trigger, trigger.replace("_", " ").capitalize())
    return None


def _incident(slots: Mapping[str, Any]) -> str | None:
    kind = str(slots.get("incident_type") or "").replace("_", " ").strip()
    date = str(slots.get("incident_date") or "").strip()
    description = str(slots.get("incident_description") or "").strip()
    head = " on ".join(part for part in (kind.capitalize() if kind else "", date) if part)
    if head and description:
        return _clip(f"{head}: {description}")
    return _clip(head or description) or None


def context_policies(customer_context: Mapping[str, Any] | None) -> list[str]:
    """Policy numbers the bot already knew (contracts #2 customer_context): shown in the customer panel."""
    policies = (customer_context or {}).get("policies") or []
    return [str(p.get("number", "")).upper() for p in policies if isinstance(p, Mapping) and p.get("number")]


def _details(slots: Mapping[str, Any], policies: list[str], known: list[str]) -> list[str]:
    details = []
    for slot, label in _content("understood.yml")["detail_slots"].items():
        value = slots.get(slot)
        if value not in (None, "") and not isinstance(value, (dict, list)):
            details.append(f"{label} {value}")
    known = {*known, str(slots.get("policy_number") or "").upper()}
    details += [f"Policy {number} (written in the chat)" for number in policies if number not in known]
    return details


def _request_sentence(lines: list[dict[str, Any]]) -> str | None:
    cues = _content("understood.yml")["want_cues"]
    best: tuple[float, str] | None = None
    for line in lines:
        for sentence in _SENTENCE_SPLIT.split(str(line["text"])):
            lowered = sentence.lower()
            if sentence.strip() and any(cue in lowered for cue in cues):
                score = score_sentence(sentence, float(line.get("intensity") or 0.0), ())
                if best is None or score > best[0]:
                    best = (score, sentence.strip())
    return best[1] if best else None


def understand(*, transcript: list[dict[str, Any]], slots: Mapping[str, Any], reasons: list[str],
               trigger: str | None, preferred_mode: str | None, band: str | None = None,
               concern: str | None = None, customer_context: Mapping[str, Any] | None = None) -> Understood:
    lines = customer_lines(transcript)
    wants_mode = _content("understood.yml")["mode_wants"].get(preferred_mode or "")
    request = _request_sentence(lines)
    wants = "; ".join(part for part in (wants_mode, f"\u201c{_clip(request, 200)}\u201d" if request else None)
                      if part) or None
    words = extractive_summary(lines, slots, max_sentences=1) or None
    if words and request and words.strip() == request.strip():
        words = None
    return Understood(reason=_reason(reasons, trigger), incident=_incident(slots),
                      details=_details(slots, mentioned_policies(transcript), context_policies(customer_context)), wants=wants,
                      in_their_words=_clip(words, 400) if words else None, band=band, concern=concern)


def _values(value: Any) -> list[str]:
    if isinstance(value, Mapping):
        return [text for item in value.values() for text in _values(item)]
    if isinstance(value, list):
        return [text for item in value for text in _values(item)]
    return [] if value is None or isinstance(value, bool) else [str(value)]


def searchable_text(*, transcript: list[dict[str, Any]], slots: Mapping[str, Any], customer_first_name: str | None,
                    customer_context: Mapping[str, Any] | None) -> str:
    """What a search of past tickets should find a ticket by (values only, never JSON keys)."""
    parts = [customer_first_name or "", *_values(dict(slots)), *_values(dict(customer_context or {}))]
    parts += [str(line["text"]) for line in customer_lines(transcript)] + mentioned_policies(transcript)
    return "\n".join(part for part in parts if part)
