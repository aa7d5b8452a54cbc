"""The judgement set (`bench/data/judgement_set.jsonl`): customer messages with the behaviour a senior
contact-centre lead expects. How it was written, labelled and split: `bench/data/README.md`."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

SET_FILE = Path(__file__).resolve().parent / "data" / "judgement_set.jsonl"
CLASSES = ("kb_answer", "clarify", "start_claim", "check_claim", "offer_person", "safety_first", "out_of_scope",
           "other_company", "small_talk", "check_in")
KINDS = ("plain", "off-topic", "sarcastic", "hypothetical", "quoting", "other-company", "future-date", "negation",
         "understatement", "humour", "chase", "typo", "long")
SPLITS = ("tune", "frozen")
FROZEN_PERCENT = 30


def bucket(text: str) -> int:
    """0–99, from the text alone, so reordering or renumbering the set never moves a message between splits."""
    return int(hashlib.sha256(text.strip().lower().encode("utf-8")).hexdigest()[:8], 16) % 100


def split_for(text: str) -> str:
    return "frozen" if bucket(text) < FROZEN_PERCENT else "tune"


@dataclass(frozen=True)
class Item:
    id: str
    text: str
    expected: tuple[str, ...]   # acceptable classes, the preferred one first
    kind: str
    hard: bool
    why: str
    split: str

    @property
    def preferred(self) -> str:
        return self.expected[0]


def load(path: Path = SET_FILE) -> list[Item]:
    items = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            expected = row["expected"]
            items.append(Item(id=row["id"], text=row["text"],
                              expected=tuple([expected] if isinstance(expected, str) else expected),
                              kind=row["kind"], hard=bool(row.get("hard")), why=row.get("why", ""),
                              split=row["split"]))
        except (ValueError, KeyError, TypeError) as error:
            raise ValueError(f"{path.name} line {number}: {error!r}") from error
    return items
