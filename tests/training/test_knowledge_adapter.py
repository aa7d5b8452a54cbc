"""Training the knowledge adapter (training/knowledge_adapter.py): on wordings whose shared nuisance direction hides
their entry, it learns to look past it, and held-out wordings find their entry more often; the penalty keeps it
near identity."""
from __future__ import annotations

import dataclasses

import numpy as np

from training.knowledge_adapter import Recipe, fit

ENTRIES, PER_ENTRY, DIMENSION = 6, 8, 16


def _wordings(seed: int):
    """Unit rows: each entry's direction plus a large random amount of one nuisance direction shared by all."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(ENTRIES, DIMENSION))
    nuisance = rng.normal(size=DIMENSION)
    owners = np.repeat(np.arange(ENTRIES), PER_ENTRY)
    rows = centres[owners] + rng.normal(scale=8.0, size=(len(owners), 1)) * nuisance \
        + rng.normal(scale=1.2, size=(len(owners), DIMENSION))
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32), owners


def _top1(queries, owners_q, rows, owners_r, matrix) -> float:
    def mapped(x):
        y = x @ matrix
        return y / np.linalg.norm(y, axis=1, keepdims=True)
    similarity = mapped(queries) @ mapped(rows).T
    best = np.array([[similarity[i, owners_r == e].max() for e in range(ENTRIES)] for i in range(len(queries))])
    return float(np.mean(best.argmax(axis=1) == owners_q))


RECIPE = dataclasses.replace(Recipe(), steps=150, batch=32, learning_rate=1e-2, penalty=1e-4)


def test_held_out_wordings_find_their_entry_more_often_after_training():
    rows, owners = _wordings(1)
    held, kept = np.arange(len(rows)) % PER_ENTRY == 0, np.arange(len(rows)) % PER_ENTRY != 0
    matrix = fit(rows[kept], owners[kept], np.arange(kept.sum()), RECIPE)
    before = _top1(rows[held], owners[held], rows[kept], owners[kept], np.eye(DIMENSION))
    after = _top1(rows[held], owners[held], rows[kept], owners[kept], matrix)
    assert after > before, (before, after)


def test_a_large_penalty_keeps_the_adapter_at_identity():
    rows, owners = _wordings(2)
    matrix = fit(rows, owners, np.arange(len(rows)), dataclasses.replace(RECIPE, penalty=100.0))
    assert np.abs(matrix - np.eye(DIMENSION)).max() < 0.01


def test_training_is_reproducible():
    rows, owners = _wordings(3)
    quick = dataclasses.replace(RECIPE, steps=20)
    np.testing.assert_array_equal(fit(rows, owners, np.arange(len(rows)), quick),
                                  fit(rows, owners, np.arange(len(rows)), quick))
