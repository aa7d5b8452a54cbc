"""Agent assist: two or three suggested replies for the customer's care band, concern and first name.

Rules and wording live in ``content/suggested_replies.yml``:
- band    = the band of the latest customer message that carries one (live messages, then the bot's timeline),
            else from the latest intensity (``band_from_intensity``); a trigger floor (vulnerability ->
            distressed) lifts it;
- concern = the first concern (in file order) whose words appear in the incident type, the reasons or
            what the customer wrote; else "general";
- replies (no band read at all counts as mild): those whose bands and concerns include this band/concern or "any"; ranked by
            (made for this concern, made for this band), file order breaking ties; the best MAX_SUGGESTIONS.
            For the bands in ``band_first`` (at_risk: safety before anything else) the band ranks first.
Words match at a word start ("water" in "waterlogged" but not "cat" in "education").
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

BANDS = ("mild", "upset", "distressed", "at_risk")
MAX_SUGGESTIONS = 3
REPLIES_FILE = Path(__file__).resolve().parent / "content" / "suggested_replies.yml"
GENERAL = "general"
ANY = "any"


@dataclass(frozen=True)
class Suggestion:
    id: str
    text: str
    why: str


@lru_cache(maxsize=2)
def _rules(path: Path = REPLIES_FILE) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["_concern_patterns"] = {
        name: re.compile(r"\b(?:" + "|".join(re.escape(w) for w in words) + r")", re.IGNORECASE)
        for name, words in data["concerns"].items()
    }
    return data


def band_from_intensity(intensity: float | None) -> str | None:
    if intensity is None:
        return None
    for band, threshold in _rules()["band_from_intensity"].items():
        if intensity >= float(threshold):
            return band
    return "mild"


def _higher(a: str | None, b: str | None) -> str | None:
    if a not in BANDS:
        return b if b in BANDS else None
    if b not in BANDS:
        return a
    return a if BANDS.index(a) >= BANDS.index(b) else b


def current_band(*, points: Sequence[Mapping[str, Any]], trigger: str | None) -> str | None:
    """``points``: the customer's emotion readings, oldest first (timeline points, then live messages)."""
    band: str | None = None
    for point in reversed(points):
        if point.get("band") in BANDS:
            band = str(point["band"])
            break
    if band is None:
        for point in reversed(points):
            if isinstance(point.get("intensity"), (int, float)):
                band = band_from_intensity(float(point["intensity"]))
                break
    return _higher(band, (_rules().get("trigger_floor") or {}).get(trigger or ""))


def current_concern(texts: Iterable[str]) -> str:
    joined = "\n".join(t for t in texts if t)
    for name, pattern in _rules()["_concern_patterns"].items():
        if pattern.search(joined):
            return name
    return GENERAL


def _fits(values: list[str], wanted: str | None) -> bool:
    return ANY in values or (wanted is not None and wanted in values)


def suggest(*, band: str | None, concern: str, first_name: str | None) -> list[Suggestion]:
    """``band`` None (no emotion reading at all) is treated as mild: nothing charged was read."""
    name = " ".join((first_name or "").split())[:40]
    band = band or "mild"
    ranked: list[tuple[int, int, int, Mapping[str, Any]]] = []
    for order, reply in enumerate(_rules()["replies"]):
        bands, concerns = list(reply["bands"]), list(reply["concerns"])
        if not (_fits(bands, band) and _fits(concerns, concern)):
            continue
        for_concern, for_band = 0 if concern in concerns else 1, 0 if band in bands else 1
        first, second = (for_band, for_concern) if band in _rules()["band_first"] else (for_concern, for_band)
        ranked.append((first, second, order, reply))
    chosen = [reply for *_key, reply in sorted(ranked, key=lambda r: r[:3])[:MAX_SUGGESTIONS]]
    return [
        Suggestion(
            id=str(reply["id"]),
            text=reply["with_name"].format(first_name=name) if name else reply["without_name"],
            why=f"{band.replace('_', ' ')} \u00b7 {concern.replace('_', ' ')}",
        )
        for reply in chosen
    ]
