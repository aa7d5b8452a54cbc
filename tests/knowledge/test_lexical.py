"""The lexical half of retrieval: words, their weights, the 0-1 share, saving and loading, hostile text."""
from __future__ import annotations

import time

import numpy as np
import pytest
from hypothesis import given, settings as hyp_settings, strategies as st

from actions.knowledge.lexical import MAX_CHARS, LexicalIndex, stem, tokens

DOCS = {
    "caravan": ["Is my caravan covered?", "touring caravan insurance", "Caravans are covered away from home."],
    "roof": ["Is storm damage to my roof covered?", "tiles blown off the roof", "Storm damage is covered."],
    "partner": ["Can my partner drive my car?", "is my wife insured to drive", "Only named drivers can drive."],
}


@pytest.fixture(scope="module")
def lexical() -> LexicalIndex:
    return LexicalIndex.build(DOCS)


@pytest.mark.parametrize("word, stemmed", [
    ("driving", "driv"), ("drive", "driv"), ("drives", "driv"), ("claimed", "claim"), ("claims", "claim"),
    ("policies", "policy"), ("stopped", "stop"), ("glass", "glass"), ("bus", "bus"), ("car", "car"),
])
def test_stemming_brings_forms_of_a_word_together(word, stemmed):
    assert stem(word) == stemmed


def test_tokens_drop_function_words_and_read_a_bounded_prefix():
    assert tokens("Can my partner drive my car on my policy?") == ["partner", "driv", "car", "policy"]
    assert tokens("I'm  what's   ") == []
    assert tokens("x " * MAX_CHARS + "caravan") == []  # past the first MAX_CHARS characters


def test_the_entry_that_shares_the_rare_words_scores_highest(lexical):
    scores = dict(zip(lexical.entry_ids, lexical.scores("will you pay if my touring caravan is damaged")))
    assert max(scores, key=scores.get) == "caravan"
    assert scores["partner"] == 0 and 0 < scores["roof"] < scores["caravan"]  # "damaged" meets "damage"


def test_a_word_no_entry_uses_lowers_the_share(lexical):
    on_topic = lexical.scores("caravan")[lexical.entry_ids.index("caravan")]
    diluted = lexical.scores("caravan lisbon weather")[lexical.entry_ids.index("caravan")]
    assert 0 < diluted < on_topic < 1


def test_words_used_by_every_entry_weigh_less_than_rare_ones(lexical):
    rows = lexical.vocabulary
    assert lexical.idf[rows["cover"]] < lexical.idf[rows["caravan"]]


@pytest.mark.parametrize("text", ["", "   ", "🙂🙂", "<script>alert(1)</script>", "what is it"])
def test_text_without_known_words_scores_zero(lexical, text):
    assert not lexical.scores(text).any()


def test_saved_and_loaded_statistics_score_alike(lexical, tmp_path):
    lexical.save(tmp_path)
    again = LexicalIndex.load(tmp_path)
    text = "is my wife covered to drive the car"
    assert again.entry_ids == lexical.entry_ids
    np.testing.assert_allclose(again.scores(text), lexical.scores(text), rtol=1e-6)


def test_weights_must_match_the_vocabulary():
    with pytest.raises(ValueError):
        LexicalIndex(["a"], {"x": 0}, np.ones(1), np.ones((2, 1)), 5.0, 1.2)


def test_a_100_kb_message_is_scored_quickly(lexical):
    start = time.perf_counter()
    lexical.scores("caravan " * 12_500)
    assert time.perf_counter() - start < 1  # bounded prefix: a hang guard, not a speed target


@hyp_settings(max_examples=200, deadline=None)
@given(st.text(max_size=3000))
def test_any_text_scores_between_zero_and_one(text):
    scores = _LEXICAL.scores(text)
    assert scores.shape == (3,) and (scores >= 0).all() and (scores <= 1).all()


_LEXICAL = LexicalIndex.build(DOCS)


def test_the_benchmark_takes_a_held_out_wording_out_of_its_entrys_words_exactly(kb):
    # bench/knowledge_retrieval.py scores held-out wordings without rebuilding the index each time; its figures
    # are only honest if that equals an index built without the wording.
    from bench.knowledge_retrieval import lexical_loo
    from actions.knowledge.lexical import term_counts

    ids = [entry.id for entry in kb.entries]
    texts = [text for entry in kb.entries for text in entry.index_texts()]
    owner = np.array([ids.index(entry.id) for entry in kb.entries for _ in entry.index_texts()])
    full = LexicalIndex.build({entry.id: entry.index_texts() for entry in kb.entries})
    tf = np.zeros((len(full.vocabulary), len(ids)))
    for row, (terms, counts) in enumerate(term_counts(texts, full.vocabulary)):
        np.add.at(tf[:, owner[row]], terms, counts)
    rows = [0, 1, 5, len(texts) // 2, len(texts) - 2]
    fast = lexical_loo(full, texts, owner, rows, tf=tf)
    for i, row in enumerate(rows):
        documents = {entry.id: list(entry.index_texts()) for entry in kb.entries}
        documents[ids[owner[row]]].remove(texts[row])
        np.testing.assert_allclose(fast[i], LexicalIndex.build(documents).scores(texts[row]), atol=1e-6)
