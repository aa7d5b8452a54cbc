"""The care band: mild, upset, distressed or at_risk — the one scale the bot's care follows.

``band_for(score, text)`` reads the documented score fields (``intensity``, ``valence``, ``emotions``,
``cues``) and the words (``bands.yml``, ``risk.yml``), in this order:

1. an active risk (``risk.read_risk``: self-harm, threat, danger now, read in context) → ``at_risk``;
   — by risk.yml's words, or by meaning (``meaning.py``, in the score) when the words find nothing;
2. possible low mood without risk words ("I just feel numb lately"; by words, then by meaning), or risk words
   the customer denies ("I'm not going to hurt myself") → ``distressed`` with ``check_in`` (a gentle check-in, not a script);
3. a question about cover or someone else's event ("If someone broke in, would I be covered?") → ``mild``;
4. laughter without distress words, or a light topic without an event ("this looks staged lol") → ``mild``;
5. otherwise the thresholds (``settle``): ``care`` against ``upset``, fear + sadness against ``distressed``,
   never below the floor that events, complaint cues, grievances or distress words set ("not ideal"
   after a flood is not mild); a clearly positive message without a floor stays ``mild``.

The band is computed once, in the scorer, and carried in the parse data: everyone reads ``emotion["band"]``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from actions.emotion.meaning import LOW_MOOD, MeaningReading
from actions.emotion.risk import MAX_CHARS, discount_meaning, laughing, read_risk

BANDS = ("mild", "upset", "distressed", "at_risk")
BANDS_FILE = Path(__file__).with_name("bands.yml")
# Cue kinds that name something that happened to the customer (not how they wrote about it).
_EVENT_KINDS = frozenset({"loss", "theft", "accident or illness", "damage to home"})


def _any_of(words: list[str]) -> re.Pattern:
    return re.compile(r"\b(?:" + "|".join(words) + r")", re.IGNORECASE)


@dataclass(frozen=True)
class BandSettings:
    intensity_weight: float
    negative_weight: float
    upset: float
    distressed: float
    positive_valence: float
    floors: dict[str, str] = field(default_factory=dict)  # cue kind -> lowest band
    distress_words: re.Pattern | None = None
    grievance: re.Pattern | None = None
    not_own_event: re.Pattern | None = None
    low_mood: re.Pattern | None = None
    light_topic: re.Pattern | None = None
    plain_event_kinds: frozenset[str] = frozenset()
    feeling: re.Pattern | None = None
    # An accident with everyone said to be unhurt, told without distress or feeling: at most upset, like a theft.
    unhurt: re.Pattern | None = None

    @classmethod
    def load(cls, path: Path = BANDS_FILE) -> "BandSettings":
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        floors = {kind: band for band, kinds in data["floors"].items() for kind in kinds}
        return cls(**data["care"], **data["thresholds"], positive_valence=data["positive_valence"], floors=floors,
                   distress_words=_any_of(data["distress_words"]), grievance=_any_of(data["grievance_words"]),
                   not_own_event=re.compile("|".join(data["not_own_event_words"]), re.IGNORECASE),
                   low_mood=_any_of(data["low_mood_words"]), light_topic=_any_of(data["light_topic_words"]),
                   plain_event_kinds=frozenset(data["plain_event_kinds"]), feeling=_any_of(data["feeling_words"]),
                   unhurt=_any_of(data["unhurt_words"]))

    def with_thresholds(self, upset: float, distressed: float) -> "BandSettings":
        return replace(self, upset=upset, distressed=distressed)


@lru_cache(maxsize=1)
def settings() -> BandSettings:
    return BandSettings.load()


@dataclass(frozen=True)
class Band:
    band: str
    reasons: list[str]
    # Possible low mood or a denied risk: the reply is a gentle check-in that offers a person.
    check_in: bool = False

    def as_fields(self) -> dict[str, Any]:
        return {"band": self.band, "band_reasons": self.reasons, "check_in": self.check_in}


def care_score(score: dict[str, Any], band_settings: BandSettings) -> float:
    """How charged the message is, 0..1: intensity and negative valence (weights in bands.yml)."""
    return (band_settings.intensity_weight * float(score.get("intensity") or 0.0)
            + band_settings.negative_weight * max(0.0, -float(score.get("valence") or 0.0)))


def distress_share(score: dict[str, Any]) -> tuple[float, float]:
    """(fear + sadness, anger + frustration): what "distressed" adds to "upset" is fear and sorrow, not anger."""
    emotions = {name: float(value or 0.0) for name, value in (score.get("emotions") or {}).items()}
    return (emotions.get("fear", 0.0) + emotions.get("sadness", 0.0),
            emotions.get("anger", 0.0) + emotions.get("frustration", 0.0))


def _cue_kinds(score: dict[str, Any]) -> list[tuple[str, str]]:
    """(kind, label) of each cue, e.g. ("damage to home", 'damage to home: "flooded"')."""
    return [(str(cue).split(":", 1)[0].strip(), str(cue)) for cue in score.get("cues") or []]


def _higher(a: str, b: str) -> str:
    return a if BANDS.index(a) >= BANDS.index(b) else b


@dataclass(frozen=True)
class Charged:
    """What the words leave to the thresholds: the scores and the floor the words set."""

    care: float
    distress: float
    grievance: float
    valence: float
    floor: str
    reasons: list[str]
    floor_reasons: list[str]
    # A plain report of an event of `plain_event_kinds` with no words of distress or feeling: at most upset.
    plainly_told: bool = False


def read_band(score: dict[str, Any], text: str, band_settings: BandSettings | None = None) -> Band | Charged:
    """The band when the words decide it, otherwise what the thresholds must settle (see ``settle``)."""
    s = band_settings or settings()
    text = (text or "")[:MAX_CHARS]
    readings = read_risk(text, meaning=score.get("risk_meaning"))
    if readings and readings[0].active:
        return Band("at_risk", [reading.reason() for reading in readings if reading.active])
    reasons = [reading.reason() for reading in readings]
    denied = [reading for reading in readings if reading.discounted_by == "negation"]
    if denied or (low_mood := s.low_mood.search(text)):
        why = reasons if denied else [f'low mood: "{low_mood.group(0)}"']
        return Band("distressed", why + ["gentle check-in"], check_in=True)
    if mood := _low_mood_by_meaning(score, text):
        return Band("distressed", reasons + [f'low mood by meaning, like: "{mood.nearest}"', "gentle check-in"],
                    check_in=True)
    if not_own := s.not_own_event.search(text):
        # A question about cover or someone else's event: no floor, no distress of the customer's own.
        return Band("mild", reasons + [f'not their own event: "{not_own.group(0).strip()}"'])

    floor, floor_reasons = "mild", []
    for kind, label in _cue_kinds(score):
        if kind in s.floors:
            floor = _higher(floor, s.floors[kind])
            floor_reasons.append(label)
    if distress_words := s.distress_words.search(text):
        floor = _higher(floor, "distressed")
        floor_reasons.append(f'distress words: "{distress_words.group(0)}"')
    if grievance_words := s.grievance.search(text):
        floor = _higher(floor, "upset")
        floor_reasons.append(f'grievance: "{grievance_words.group(0)}"')
    # Laughter keeps a remark light unless it tells of distress; a light topic unless something happened.
    if not distress_words and laughing(text):
        return Band("mild", reasons + ["laughing"])
    event = distress_words or any(kind in _EVENT_KINDS for kind, _ in _cue_kinds(score))
    if not event and (light := s.light_topic.search(text)):
        return Band("mild", reasons + [f'light remark: "{light.group(0)}"'])
    distress, grievance = distress_share(score)
    events = {kind for kind, _ in _cue_kinds(score) if kind in _EVENT_KINDS}
    plain_kinds = s.plain_event_kinds | (
        {"accident or illness"} if s.unhurt is not None and s.unhurt.search(text) else frozenset())
    plainly_told = bool(events) and events <= plain_kinds and not distress_words and not (
        s.feeling is not None and s.feeling.search(text))
    return Charged(care_score(score, s), distress, grievance, float(score.get("valence") or 0.0), floor,
                   reasons + [f"intensity {float(score.get('intensity') or 0.0):.2f}"], floor_reasons,
                   plainly_told)


def _low_mood_by_meaning(score: dict[str, Any], text: str) -> MeaningReading | None:
    """Possible low mood read by meaning ("I can't face opening the post"), unless a joke, a quotation or
    someone else's words (the contexts of risk.yml, read over the message)."""
    reading = MeaningReading.from_dict(score.get("risk_meaning"))
    if reading is None or reading.kind != LOW_MOOD or discount_meaning(text, LOW_MOOD) is not None:
        return None
    return reading


def settle(charged: Charged, band_settings: BandSettings) -> Band:
    """The band from the thresholds, never below the floor the words set."""
    s = band_settings
    band = "mild"
    if charged.care >= s.upset:
        distressed = charged.distress >= s.distressed and charged.distress >= charged.grievance
        band = "distressed" if distressed and not charged.plainly_told else "upset"
    if band == "mild" and charged.floor == "mild" and charged.valence >= s.positive_valence:
        return Band("mild", charged.reasons + ["positive"])
    told = ["told plainly"] if charged.plainly_told else []
    return Band(_higher(band, charged.floor), charged.reasons + [
        f"care {charged.care:.2f}, fear+sadness {charged.distress:.2f}"] + charged.floor_reasons + told)


def band_for(score: dict[str, Any], text: str, band_settings: BandSettings | None = None) -> Band:
    """The care band of one message and the reasons an agent can read."""
    s = band_settings or settings()
    reading = read_band(score, text, s)
    return reading if isinstance(reading, Band) else settle(reading, s)
