"""Loading and checking the knowledge base: entries, the policy sections they cite, retrieval settings.

A broken file fails loudly at training or start-up (``ContentError`` naming the entry), never at answer
time: a customer must not be the first to find a missing source.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import yaml

KNOWLEDGE_DIR = Path(__file__).resolve().parents[2] / "knowledge"
ENTRY_FILES = ("home.yml", "motor.yml", "travel.yml", "life.yml", "general.yml", "long_tail.yml")
SECTIONS_FILE, RETRIEVAL_FILE, FRAMES_FILE = "policy_sections.yml", "retrieval.yml", "frames.yml"
PRODUCTS = ("home", "motor", "travel", "life")
KINDS = ("cover", "how", "money", "rule", "explain")
# Limits for vetted answers: 1-4 sentences that fit on a phone screen.
MAX_ANSWER_CHARS = 480
# Wordings per entry: the retriever takes each entry's best wording, so an entry with far more wordings than
# the others wins more near-ties; the cap keeps entries comparable (content pass: 8-10 real-style wordings each).
MIN_PARAPHRASES, MAX_PARAPHRASES = 2, 10


class ContentError(ValueError):
    """The knowledge base breaks one of its rules (the message names the file and entry)."""


@dataclass(frozen=True)
class Section:
    id: str
    document: str
    number: str
    title: str
    summary: str

    def citation(self) -> str:
        """ "the Home policy booklet, section 2.2 (Escape of water)" """
        return f"the {self.document}, section {self.number} ({self.title})"


@dataclass(frozen=True)
class Entry:
    id: str
    question: str
    paraphrases: Tuple[str, ...]
    answer: str
    kind: str
    source: str
    products: Tuple[str, ...]
    reviewed_on: dt.date
    reviewed_by: str

    def texts(self) -> Tuple[str, ...]:
        """The question and how customers really ask it."""
        return (self.question,) + self.paraphrases

    def index_texts(self) -> Tuple[str, ...]:
        """What the retriever indexes: the wordings, and the answer itself, which carries the words a
        customer may use that no wording has (held-out paraphrases: top-1 0.44 -> 0.51 with it)."""
        return self.texts() + (self.answer,)


@dataclass(frozen=True)
class KnowledgeBase:
    entries: Tuple[Entry, ...]
    sections: Dict[str, Section]
    by_id: Dict[str, Entry] = field(repr=False)

    def get(self, entry_id: Optional[str]) -> Optional[Entry]:
        return self.by_id.get(entry_id or "")

    def section_for(self, entry: Entry) -> Section:
        return self.sections[entry.source]


def _read(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as handle:
            return yaml.safe_load(handle)
    except (OSError, yaml.YAMLError) as error:
        raise ContentError(f"{path}: {error}") from error


def _sections(directory: Path) -> Dict[str, Section]:
    raw = _read(directory / SECTIONS_FILE) or {}
    documents = raw.get("documents") or {}
    sections = {}
    for section_id, spec in (raw.get("sections") or {}).items():
        document_key, _, number = str(section_id).partition("-")
        if document_key not in documents or not number:
            raise ContentError(f"{SECTIONS_FILE}: {section_id} names no document in 'documents'")
        if not str(spec.get("title", "")).strip() or not str(spec.get("summary", "")).strip():
            raise ContentError(f"{SECTIONS_FILE}: {section_id} needs a title and a summary")
        sections[section_id] = Section(section_id, documents[document_key], number, spec["title"], spec["summary"])
    return sections


def _text(value: Any, where: str, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ContentError(f"{where}: {what} must be non-empty text")
    return " ".join(value.split())


def _entry(raw: Dict[str, Any], defaults: Dict[str, Any], where: str, sections: Dict[str, Section]) -> Entry:
    entry_id = _text(raw.get("id"), where, "id")
    where = f"{where} {entry_id}"
    paraphrases = tuple(_text(p, where, "a paraphrase") for p in raw.get("paraphrases") or [])
    if not MIN_PARAPHRASES <= len(paraphrases) <= MAX_PARAPHRASES:
        raise ContentError(f"{where}: {MIN_PARAPHRASES}-{MAX_PARAPHRASES} paraphrases, not {len(paraphrases)}")
    answer = _text(raw.get("answer"), where, "answer")
    if len(answer) > MAX_ANSWER_CHARS:
        raise ContentError(f"{where}: answer is {len(answer)} characters (at most {MAX_ANSWER_CHARS})")
    kind = raw.get("kind")
    if kind not in KINDS:
        raise ContentError(f"{where}: kind {kind!r} is not one of {KINDS}")
    source = raw.get("source")
    if source not in sections:
        raise ContentError(f"{where}: source {source!r} is not a section in {SECTIONS_FILE}")
    products = tuple(raw.get("products") or defaults.get("products") or ())
    if not products or set(products) - set(PRODUCTS):
        raise ContentError(f"{where}: products {products!r} must be some of {PRODUCTS}")
    reviewed = raw.get("reviewed") or defaults.get("reviewed") or {}
    if not isinstance(reviewed.get("date"), dt.date) or not str(reviewed.get("by", "")).strip():
        raise ContentError(f"{where}: reviewed needs 'date' and 'by'")
    return Entry(entry_id, _text(raw.get("question"), where, "question"), paraphrases, answer, kind, source,
                 products, reviewed["date"], reviewed["by"])


def load(directory: Path = KNOWLEDGE_DIR) -> KnowledgeBase:
    """Every entry file, checked: sources resolve, ids and question wordings are unique."""
    directory = Path(directory)
    sections = _sections(directory)
    entries: List[Entry] = []
    for name in ENTRY_FILES:
        raw = _read(directory / name) or {}
        defaults = {key: raw.get(key) for key in ("products", "reviewed")}
        entries += [_entry(item, defaults, name, sections) for item in raw.get("entries") or []]
    by_id: Dict[str, Entry] = {}
    seen_wordings: Dict[str, str] = {}
    for entry in entries:
        if entry.id in by_id:
            raise ContentError(f"duplicate id {entry.id}")
        by_id[entry.id] = entry
        for text in entry.texts():
            wording = " ".join(text.lower().rstrip("?.! ").split())
            if wording in seen_wordings:
                raise ContentError(f"{entry.id}: {text!r} is already a wording of {seen_wordings[wording]}")
            seen_wordings[wording] = entry.id
    return KnowledgeBase(tuple(entries), sections, by_id)


def read_settings_file(name: str, directory: Path = KNOWLEDGE_DIR) -> Dict[str, Any]:
    raw = _read(Path(directory) / name)
    if not isinstance(raw, dict):
        raise ContentError(f"{name}: expected a mapping")
    return raw
