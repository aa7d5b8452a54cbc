"""What the bot did with one customer message, read from the tracker's events, and whether that was right.

The names of actions and responses that make up each behaviour live in `bench/judgement_behaviours.yml`;
this module only knows how to read a turn and apply that mapping.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import yaml

BEHAVIOURS_FILE = Path(__file__).resolve().parent / "judgement_behaviours.yml"
NONE = "none"
FLOW_WITHOUT_EVIDENCE = "started a flow without evidence"
SAFETY_WITHOUT_RISK = "safety script without risk"
# Events of the turn that are bookkeeping, not something the bot chose to do.
_NOT_BEHAVIOUR = {"action_listen", "action_extract_slots", "action_session_start", None}


@dataclass(frozen=True)
class Matcher:
    names: frozenset[str] = frozenset()
    prefixes: tuple[str, ...] = ()
    slot_set: str | None = None
    slot_not_set: str | None = None

    @classmethod
    def from_yaml(cls, spec: Mapping[str, Any]) -> "Matcher":
        unknown = set(spec) - {"names", "prefixes", "slot_set", "slot_not_set"}
        if unknown:
            raise ValueError(f"unknown matcher keys {sorted(unknown)} in {dict(spec)}")
        return cls(frozenset(spec.get("names") or ()), tuple(spec.get("prefixes") or ()),
                   spec.get("slot_set"), spec.get("slot_not_set"))

    def names_matching(self, names: Iterable[str]) -> list[str]:
        return [name for name in names if name in self.names or any(name.startswith(p) for p in self.prefixes)]

    def fits(self, names: Sequence[str], slots_set: Mapping[str, Any]) -> bool:
        if not self.names_matching(names):
            return False
        if self.slot_set and slots_set.get(self.slot_set) is None:
            return False
        return not (self.slot_not_set and slots_set.get(self.slot_not_set) is not None)


@dataclass(frozen=True)
class Behaviours:
    """The mapping file, read once."""

    classes: dict[str, tuple[Matcher, ...]]
    priority: tuple[str, ...]
    safety_class: str
    safety_pattern: re.Pattern[str]
    flow_starts: Matcher
    flow_allowed_when_expected: frozenset[str]
    diagnostics: dict[str, Matcher]

    @classmethod
    def load(cls, path: Path = BEHAVIOURS_FILE) -> "Behaviours":
        return cls.from_mapping(yaml.safe_load(path.read_text()))

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> "Behaviours":
        classes = {name: tuple(Matcher.from_yaml(spec) for spec in specs) for name, specs in data["classes"].items()}
        safety_class = data["safety"]["class"]
        priority = tuple(data["priority"])
        named = set(classes) | {safety_class}
        if set(priority) != named:
            raise ValueError(f"priority must list every class once: missing {sorted(named - set(priority))}, "
                             f"unknown {sorted(set(priority) - named)}")
        flows = dict(data["flow_starts"])
        allowed = frozenset(flows.pop("allowed_when_expected"))
        return cls(classes=classes, priority=priority, safety_class=safety_class,
                   safety_pattern=re.compile(data["safety"]["pattern"], re.IGNORECASE),
                   flow_starts=Matcher.from_yaml(flows), flow_allowed_when_expected=allowed,
                   diagnostics={label: Matcher.from_yaml(spec) for label, spec in (data.get("diagnostics") or {}).items()})

    @property
    def class_names(self) -> tuple[str, ...]:
        return self.priority


@dataclass(frozen=True)
class Turn:
    """The bot's side of one turn: what ran, what was said, which slots were given a value."""

    names: tuple[str, ...]
    replies: tuple[str, ...]
    slots_set: dict[str, Any] = field(default_factory=dict)
    # Whether the emotion score reached Rasa for the message: without it the bot takes its fallback paths
    # ("I can't connect you to a colleague in this chat"), which says nothing about its judgement.
    scored: bool | None = None

    @classmethod
    def from_events(cls, events: Sequence[Mapping[str, Any]]) -> "Turn":
        """The events after the last customer message (a fresh conversation has one)."""
        start = max((i for i, event in enumerate(events) if event.get("event") == "user"), default=-1) + 1
        scored = None
        if start:
            emotion = ((events[start - 1].get("parse_data") or {}).get("emotion") or {})
            scored = emotion.get("available") if isinstance(emotion, dict) else None
        names: list[str] = []
        replies: list[str] = []
        slots: dict[str, Any] = {}
        for event in events[start:]:
            kind = event.get("event")
            if kind == "action" and event.get("name") not in _NOT_BEHAVIOUR:
                names.append(event["name"])
            elif kind == "bot":
                replies.append(event.get("text") or "")
                response = (event.get("metadata") or {}).get("utter_action")
                if response and (not names or names[-1] != response):
                    names.append(response)
            elif kind == "active_loop" and event.get("name") and event["name"] not in names:
                names.append(event["name"])
            elif kind == "slot":
                slots[event.get("name")] = event.get("value")
        return cls(tuple(names), tuple(replies), slots, scored)


@dataclass(frozen=True)
class Observation:
    fired: tuple[str, ...]          # every class that fired, strongest first
    primary: str                    # what the bot did, or "none"
    diagnostics: tuple[str, ...]    # labels that are not judged ("fallback", "canned_answer", …)
    safety_lines: bool              # safety lines in any message of the turn
    flows_started: tuple[str, ...]
    turn: Turn

    @property
    def label(self) -> str:
        """The primary class, or for an unclassified turn what it was instead ("none: fallback")."""
        if self.primary != NONE or not self.diagnostics:
            return self.primary
        return f"{NONE}: {', '.join(self.diagnostics)}"


def observe(turn: Turn, behaviours: Behaviours) -> Observation:
    fired = {name for name, matchers in behaviours.classes.items()
             if any(matcher.fits(turn.names, turn.slots_set) for matcher in matchers)}
    safety_lines = any(behaviours.safety_pattern.search(reply) for reply in turn.replies)
    if turn.replies and behaviours.safety_pattern.search(turn.replies[0]):
        fired.add(behaviours.safety_class)
    ordered = tuple(name for name in behaviours.priority if name in fired)
    diagnostics = tuple(label for label, matcher in behaviours.diagnostics.items() if matcher.names_matching(turn.names))
    return Observation(fired=ordered, primary=ordered[0] if ordered else NONE, diagnostics=diagnostics,
                       safety_lines=safety_lines, flows_started=tuple(behaviours.flow_starts.names_matching(turn.names)),
                       turn=turn)


@dataclass(frozen=True)
class Verdict:
    right: bool
    violations: tuple[str, ...]


def judge(expected: Sequence[str], observation: Observation, behaviours: Behaviours) -> Verdict:
    """Right when what the bot did is one of the acceptable classes and it broke neither zero-tolerance rule."""
    violations = []
    if observation.flows_started and not behaviours.flow_allowed_when_expected & set(expected):
        violations.append(FLOW_WITHOUT_EVIDENCE)
    if observation.safety_lines and behaviours.safety_class not in expected:
        violations.append(SAFETY_WITHOUT_RISK)
    return Verdict(right=observation.primary in expected and not violations, violations=tuple(violations))
