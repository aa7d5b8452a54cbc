"""EmoBank loading and the agreement metric."""
from __future__ import annotations

import numpy as np
import pytest

from training.data import load_emobank
from training.metrics import affect_report


def test_emobank_rows_keep_text_valence_and_arousal(tmp_path):
    path = tmp_path / "dev.csv"
    path.write_text('id,V,A,D,text\na,3.25,2.88,3.12,"He said ""hello"", then left."\nb,1.0,5.0,3.0,Fire!\n')
    data = load_emobank(path)
    assert data.texts == ['He said "hello", then left.', "Fire!"]
    np.testing.assert_allclose(data.ratings, [[3.25, 2.88], [1.0, 5.0]])
    assert data.subset(np.array([1])).texts == ["Fire!"]


@pytest.mark.parametrize(("content", "message"), [
    ("id,V,D,text\na,3,3,x\n", "missing columns"),
    ("id,V,A,D,text\na,5.01,3,3,x\n", "outside 1..5"),
    ("id,V,A,D,text\na,3,0.99,3,x\n", "outside 1..5"),
])
def test_emobank_files_that_are_not_emobank_are_refused(tmp_path, content, message):
    path = tmp_path / "x.csv"
    path.write_text(content)
    with pytest.raises(ValueError, match=message):
        load_emobank(path)


def test_affect_report_is_pearson_r_per_dimension():
    ratings = np.array([[1.0, 2.0], [2.0, 3.0], [3.0, 1.0]])
    predicted = np.array([[10.0, 3.0], [20.0, 2.0], [30.0, 4.0]])
    assert affect_report(ratings, predicted) == {"valence_r": 1.0, "arousal_r": -1.0}
