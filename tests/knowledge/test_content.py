"""The knowledge base's own rules: every entry is complete, sourced, short and unique, and a broken file is
refused with the entry named."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from actions.insurance.seed import POLICIES
from actions.knowledge import content
from actions.knowledge.content import ContentError


def test_at_least_230_entries_over_every_product(kb):
    assert len(kb.entries) >= 230
    for product in content.PRODUCTS:
        assert sum(product in entry.products for entry in kb.entries) >= 15, product


def test_every_entry_has_enough_customer_wordings(kb):
    # Each entry is matched on its best wording, so entries need comparable numbers of them: the content
    # pass (issue #16) gave every entry at least 8 paraphrases in customers' own styles.
    thin = [(entry.id, len(entry.paraphrases)) for entry in kb.entries if len(entry.paraphrases) < 8]
    assert not thin, thin


def test_every_source_resolves_to_a_section_with_wording(kb):
    for entry in kb.entries:
        section = kb.section_for(entry)
        assert section.summary and section.title
        assert section.citation().startswith("the ") and section.number in section.citation()


def test_answers_are_short_plain_and_complete(kb):
    for entry in kb.entries:
        sentences = [s for s in re.split(r"(?<=[.!?])\s+", entry.answer) if s]
        assert 1 <= len(sentences) <= 4, entry.id
        assert len(entry.answer) <= content.MAX_ANSWER_CHARS
        assert entry.answer[-1] in ".!?", entry.id
        assert "Good question" not in entry.answer, entry.id


def test_ids_and_wordings_are_unique(kb):
    assert len({e.id for e in kb.entries}) == len(kb.entries)
    wordings = [" ".join(t.lower().rstrip("?.! ").split()) for e in kb.entries for t in e.texts()]
    assert len(set(wordings)) == len(wordings)


def test_every_entry_was_reviewed(kb):
    for entry in kb.entries:
        assert entry.reviewed_by.strip() and entry.reviewed_on.year >= 2026


def test_excess_figures_agree_with_the_demo_policies(kb):
    excesses = {(product.value, level.split(" (")[0]): excess for _, _, product, level, excess, _, _ in POLICIES}
    home = kb.get("home-excess").answer
    assert f"£{excesses[('home', 'Home Plus')]} on Home Plus" in home
    assert f"£{excesses[('home', 'Home Essentials')]} on Home Essentials" in home
    motor = kb.get("motor-excess").answer
    assert f"£{excesses[('motor', 'Comprehensive')]} on comprehensive" in motor
    assert f"£{excesses[('motor', 'Third party, fire and theft')]} on third party" in motor
    assert f"£{excesses[('travel', 'Annual multi-trip, Europe')]} per person" in kb.get("travel-excess").answer


@pytest.fixture
def scratch_copy(tmp_path: Path) -> Path:
    shutil.copytree(content.KNOWLEDGE_DIR, tmp_path / "knowledge")
    return tmp_path / "knowledge"


def _edit_first_entry(directory: Path, **changes) -> None:
    path = directory / "home.yml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    raw["entries"][0].update(changes)
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")


@pytest.mark.parametrize("changes, complaint", [
    ({"source": "home-99.9"}, "not a section"),
    ({"answer": ""}, "answer must be non-empty"),
    ({"answer": "x" * (content.MAX_ANSWER_CHARS + 1)}, "characters"),
    ({"paraphrases": ["only one"]}, "paraphrases"),
    ({"paraphrases": [f"wording {i}" for i in range(content.MAX_PARAPHRASES + 1)]}, "paraphrases"),
    ({"kind": "opinion"}, "kind"),
    ({"products": ["pets"]}, "products"),
    ({"id": "motor-excess"}, "duplicate id"),
    ({"question": "What is the excess on car insurance?"}, "already a wording"),
])
def test_a_broken_entry_is_refused_with_its_name(scratch_copy, changes, complaint):
    _edit_first_entry(scratch_copy, **changes)
    with pytest.raises(ContentError, match=complaint):
        content.load(scratch_copy)


@pytest.mark.parametrize("count", [content.MIN_PARAPHRASES, content.MAX_PARAPHRASES])
def test_paraphrase_limits_are_inclusive(scratch_copy, count):
    _edit_first_entry(scratch_copy, paraphrases=[f"unusual wording number {i}" for i in range(count)])
    assert len(content.load(scratch_copy).entries[0].paraphrases) == count


def test_an_answer_at_the_length_limit_is_accepted(scratch_copy):
    _edit_first_entry(scratch_copy, answer="x" * content.MAX_ANSWER_CHARS)
    assert len(content.load(scratch_copy).entries[0].answer) == content.MAX_ANSWER_CHARS


def test_a_missing_review_is_refused(scratch_copy):
    path = scratch_copy / "life.yml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    del raw["reviewed"]
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    with pytest.raises(ContentError, match="reviewed"):
        content.load(scratch_copy)
