"""What can go wrong, per product: canonical incident types, the words customers use for them and
the documents a claim needs. ``data/nlu/lookups/incident_type.yml`` lists the same words for NLU; a
test keeps the two in step."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Dict, Iterable, Optional, Tuple

from actions.insurance.models import Product

H, M, T = Product.HOME, Product.MOTOR, Product.TRAVEL
_UNCOUNTABLE = {"water damage", "theft", "storm damage", "accidental damage", "windscreen damage", "vandalism",
                "lost luggage"}


@dataclass(frozen=True)
class IncidentType:
    name: str  # canonical, readable: used in replies and stored on the claim
    products: Tuple[Product, ...]
    words: Tuple[str, ...]  # what customers write (lower case); the name itself is implied
    documents: str  # what a claim for this needs, beyond the product's basics

    @property
    def spoken(self) -> str:
        """With an article where English wants one: "a burst pipe", but "water damage"."""
        return self.name if self.name in _UNCOUNTABLE else f"a {self.name}"


INCIDENT_TYPES: Tuple[IncidentType, ...] = (
    IncidentType("burst pipe", (H,), ("burst pipe", "burst pipes", "pipe burst", "pipe has burst", "frozen pipe"),
                 "a plumber's report or invoice saying what failed"),
    IncidentType("water damage", (H,), ("water damage", "leak", "leaking", "water leak", "leaked", "damp"),
                 "photos of the damage and, if you have one, a plumber's report on the cause"),
    IncidentType("flood", (H, M), ("flood", "flooded", "flooding"),
                 "photos of the water level and damaged items, and any flood warning reference"),
    IncidentType("fire", (H, M), ("fire", "house fire", "smoke damage", "kitchen fire", "caught fire"),
                 "the fire service incident number, if they attended, and photos"),
    # A vehicle broken into is a theft from it on the motor policy, not a burglary (a home's): longest phrase wins.
    IncidentType("theft", (H, M, T), ("theft", "stolen", "stole", "nicked", "pickpocketed", "robbed", "car stolen",
                                      "car was broken into", "car has been broken into", "car's been broken into",
                                      "van was broken into", "van has been broken into", "van's been broken into",
                                      "broke into my car", "broke into my van", "broken into my car", "car break-in"),
                 "a police crime reference number and proof of ownership for what was taken"),
    IncidentType("burglary", (H,), ("burglary", "burgled", "break-in", "break in", "broken into", "broke into", "burglars"),
                 "a police crime reference number, photos of the damage and a list of what was taken"),
    IncidentType("storm damage", (H, M), ("storm", "storm damage", "high winds", "wind damage", "roof tiles", "fallen tree"),
                 "photos of the damage and a roofer's or builder's quote"),
    IncidentType("accidental damage", (H,), ("accidental damage", "spilled", "dropped", "knocked over", "smashed tv"),
                 "photos of the damaged item and a repair quote or proof of purchase"),
    IncidentType("car accident", (M,), ("car accident", "collision", "crash", "crashed", "accident", "hit my car",
                                         "rear-ended", "bumped", "prang", "pranged", "reversed into",
                                         "backed into", "went into the back of"),
                 "the other driver's details, photos of the scene and any witness details"),
    IncidentType("windscreen damage", (M,), ("windscreen", "cracked windscreen", "chipped windscreen", "windshield"),
                 "a photo of the chip or crack"),
    IncidentType("vandalism", (H, M), ("vandalism", "vandalised", "vandalized", "keyed", "graffiti"),
                 "a police crime reference number and photos of the damage"),
    IncidentType("lost luggage", (T,), ("lost luggage", "lost bag", "lost suitcase", "luggage lost", "baggage lost",
                                         "missing luggage", "delayed baggage"),
                 "the airline's property irregularity report (PIR) and receipts for essentials you bought"),
    IncidentType("flight delay", (T,), ("flight delay", "delayed flight", "flight delayed", "flight was delayed",
                                         "flight was late", "flight is delayed", "flight has been delayed"),
                 "written confirmation from the airline of the length and reason of the delay"),
    IncidentType("trip cancellation", (T,), ("trip cancellation", "cancelled trip", "flight cancelled",
                                              "cancelled flight", "holiday cancelled", "cancel my holiday",
                                              "flight was cancelled", "flight got cancelled", "flight has been cancelled",
                                              "flights were cancelled", "holiday was cancelled", "trip was cancelled",
                                              "had to cancel my holiday", "had to cancel my trip"),
                 "your booking confirmation, the cancellation invoice and the reason for cancelling"),
    IncidentType("medical emergency abroad", (T,), ("medical emergency abroad", "medical emergency", "hospital abroad",
                                                     "hospitalised abroad", "ill abroad", "taken ill on holiday"),
                 "medical reports and receipts; call our 24-hour emergency line first if treatment is ongoing"),
)

BY_NAME: Dict[str, IncidentType] = {incident.name: incident for incident in INCIDENT_TYPES}


def _phrases() -> Iterable[Tuple[str, IncidentType]]:
    for incident in INCIDENT_TYPES:
        yield incident.name, incident
        for word in incident.words:
            yield word, incident


# Longest phrase first, so "burst pipe" wins over "pipe" and "car accident" over "accident".
_PHRASES = sorted(_phrases(), key=lambda pair: len(pair[0]), reverse=True)
_PATTERN = re.compile(r"\b(" + "|".join(re.escape(phrase) for phrase, _ in _PHRASES) + r")\b", re.IGNORECASE)
_BY_PHRASE = {phrase: incident for phrase, incident in _PHRASES}


def find_incident_type(text: Optional[str]) -> Optional[IncidentType]:
    """The incident a customer describes ("a pipe burst under the sink" is a burst pipe), or None."""
    if not text:
        return None
    normalised = text.replace("’", "'")
    if normalised.strip().lower() in BY_NAME:
        return BY_NAME[normalised.strip().lower()]
    match = _PATTERN.search(normalised)
    return _BY_PHRASE[match.group(1).lower()] if match else None


def all_phrases() -> Dict[str, str]:
    """Every phrase -> canonical incident name (for the NLU lookup consistency test)."""
    return {phrase: incident.name for phrase, incident in _PHRASES}
