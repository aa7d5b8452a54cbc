"""The sentence encoder batches texts of like length (rasa_addons/sentence_encoder.py): every text gets the
vector it gets alone (a batch of one has no padding), in the order it was given, empty texts zeros."""
from __future__ import annotations

import numpy as np
import pytest

TEXTS = ["hi", "my card was declined at the shop and now the app says my account is locked, what do I do?", "",
         "claim", "   ", "when does my home insurance renew, and can I pay monthly instead of once a year?",
         "our house was burgled yesterday", "ok"]


@pytest.mark.parametrize("batch_size", [1, 2, 3, 64])
def test_each_text_gets_its_own_vector_in_order_whatever_the_batch(encoder, batch_size):
    alone = np.vstack([encoder.encode([text]) for text in TEXTS])
    batched = encoder.encode(TEXTS, batch_size)
    assert batched.shape == (len(TEXTS), 384)
    assert np.abs(batched - alone).max() < 1e-5
    assert not batched[2].any() and not batched[4].any()
    assert np.allclose(np.linalg.norm(batched[[0, 1, 3, 5, 6, 7]], axis=1), 1.0, atol=1e-5)
