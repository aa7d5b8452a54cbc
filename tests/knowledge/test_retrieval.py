"""Retrieval through the real encoder: every entry's own question comes back first, its wordings find it,
the issue's long-tail questions are answered, and off-topic or hostile text is not (with the words counted as
the retriever in Rasa counts them)."""
from __future__ import annotations

import time

import pytest

from actions.knowledge.matching import decide

LONG_TAIL = {
    "Can my partner drive my car on my policy?": "motor-partner-driving",
    "Is my bike covered when I'm on holiday?": "home-bike-on-holiday",
    "Do I need to tell you about a speeding fine?": "motor-speeding-fine",
    "Is it worth claiming for a small scratch?": "motor-small-scratch",
}


def test_every_question_and_paraphrase_retrieves_its_own_entry(kb, index, encoder, retrieval_settings):
    texts = [text for entry in kb.entries for text in entry.texts()]
    owners = [entry.id for entry in kb.entries for _ in entry.texts()]
    misses = []
    for owner, text, vector in zip(owners, texts, encoder.encode(texts)):
        decision = decide(index.search(vector, retrieval_settings.top_k, text, retrieval_settings.lexical_weight),
                          retrieval_settings)
        if decision.outcome != "answer" or decision.best.entry_id != owner:
            misses.append((text, owner, decision))
    assert not misses, misses[:5]


@pytest.mark.parametrize("question, entry_id", LONG_TAIL.items())
def test_the_issues_long_tail_questions_are_answered(index, encoder, retrieval_settings, question, entry_id):
    decision = decide(index.search(encoder.encode([question])[0], retrieval_settings.top_k, question,
                                   retrieval_settings.lexical_weight), retrieval_settings)
    assert decision.outcome == "answer" and decision.best.entry_id == entry_id


@pytest.mark.parametrize("text", [
    "what's the weather like in Lisbon tomorrow", "tell me a joke", "how do I reset my broadband router",
    "can you recommend a good pizza place", "what's 15% of 80", "", "   ", "🙂🙂🙂", "<script>alert(1)</script>",
    "¿Mi coche está asegurado si lo conduce mi pareja?", "a" * 100_000,
])
def test_off_topic_and_hostile_text_gets_no_answer(index, encoder, retrieval_settings, text):
    decision = decide(index.search(encoder.encode([text])[0], retrieval_settings.top_k, text,
                                   retrieval_settings.lexical_weight), retrieval_settings)
    assert decision.outcome == "none", (text[:60], decision)


def test_a_100_kb_message_is_bounded(index, encoder, retrieval_settings):
    start = time.perf_counter()
    text = "is my bike covered? " * 5000
    index.search(encoder.encode([text])[0], retrieval_settings.top_k, text, retrieval_settings.lexical_weight)
    assert time.perf_counter() - start < 30  # a hang guard, not a speed target (bench/knowledge_retrieval.py)
