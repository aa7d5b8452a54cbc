"""The benchmark's customer question sets stay held out: no entry wording is written within 0.85 cosine of one of
their questions (bench/data/knowledge_questions.yml and knowledge_questions2.yml to knowledge_questions5.yml), so the
sets measure wordings the knowledge base was not given. The wordings below were already that close when the second
or the third set was written (they predate it, or are the issue's own long-tail questions); nothing may join them."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
QUESTION_SETS = [ROOT / "bench" / "data" / name for name in (
    "knowledge_questions.yml", "knowledge_questions2.yml", "knowledge_questions3.yml", "knowledge_questions4.yml",
    "knowledge_questions5.yml")]
NEAR = 0.85
PREDATING = {
    "Is my bike covered when I'm on holiday?", "Can my partner drive my car on my policy?",
    "Is it worth claiming for a small scratch?", "Do I need to tell you about a speeding fine?",
    "can I claim for my windscreen", "Does a windscreen claim affect my no claims bonus?", "windscreen claim no claims",
    "is it worth claiming for a scratch", "Will my life insurance premium go up?", "can I cash in my life policy",
    "do I get money back if I cancel", "turn off auto renewal",
    "I want to make a complaint about how my claim was handled", "when will I hear about my complaint",
    "how long does a complaint take", "let my son talk to you about my policy",
    "What if I don't have receipts for what I'm claiming?", "do I need receipts to make a claim",
    # already within 0.85 of a question of the third set when it was written (commit 7cd3694)
    "I've been diagnosed with diabetes, do I tell my car insurer",
    "car nicked off the drive with the engine running while I was defrosting it",
    "do I need travel insurance if I've got the health card", "maximum trip length annual policy",
    "I'm 80 can I get travel insurance", "I'm 81, can I still get travel insurance with you",
    "will I have to see a doctor to get life cover", "will I need a medical exam for life cover",
    "does my life insurance pay out if I die overseas", "my direct debit failed, am I still insured",
    "I need a copy of my policy schedule", "can I take my complaint to the ombudsman",
    # already within 0.85 of a question of the fourth set when it was written (commit 419287a)
    "my dad died on our holiday in Spain, how do we get him home",
}


def _unit(vectors: np.ndarray) -> np.ndarray:
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def near_pairs(wordings: list[str], questions: list[str], encoder, threshold: float = NEAR):
    similarity = _unit(encoder.encode(wordings)) @ _unit(encoder.encode(questions)).T
    return [(wordings[i], questions[j], float(similarity[i, j]))
            for i, j in zip(*np.nonzero(similarity >= threshold))]


@pytest.fixture(scope="module")
def questions() -> list[str]:
    return [q["text"] for path in QUESTION_SETS for q in yaml.safe_load(path.read_text(encoding="utf-8"))["questions"]]


def test_every_question_set_is_read(questions):
    assert len(questions) == 50 + 60 + 68 + 94 + 101


def test_no_new_wording_is_near_a_benchmark_question(kb, encoder, questions):
    wordings = [text for entry in kb.entries for text in entry.texts()]
    offending = [pair for pair in near_pairs(wordings, questions, encoder) if pair[0] not in PREDATING]
    assert not offending, offending


@pytest.mark.parametrize("wording, near", [
    ("is the money from a life insurance payout taxed", True),      # a question's own words, less its mark
    ("Do you pay tax on a life insurance payout?", True),           # the first draft of an entry question: refused
    ("Does inheritance tax apply to life insurance?", False),       # what the entry asks instead
])
def test_the_check_catches_a_near_copy(encoder, questions, wording, near):
    assert bool(near_pairs([wording], questions, encoder)) is near
