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


def test_ridge_affect_head_recovers_a_linear_rating_and_picks_the_penalty_on_the_selection_rows():
    from training.affect_head import fit_affect, ridge_solutions

    rng = np.random.default_rng(0)
    features = rng.normal(size=(400, 12)).astype(np.float32)
    ratings = np.stack([3 + 0.5 * features[:, 0], 3 - 0.3 * features[:, 1] + 0.05 * rng.normal(size=400)], 1)
    affect, penalty, reports = fit_affect(features, ratings.astype(np.float32), np.arange(40), penalties=(1.0, 1e6))
    assert penalty == 1.0 and reports[1.0]["valence_r"] > 0.99 and set(reports) == {1.0, 1e6}
    np.testing.assert_allclose(affect.predict(features[:5]), ratings[:5], atol=0.15)  # arousal has noise sd 0.05
    # A huge penalty shrinks the weights towards zero.
    weights = ridge_solutions(features, ratings - ratings.mean(0), (1.0, 1e9))
    assert np.abs(weights[1e9]).max() < 1e-3 < np.abs(weights[1.0]).max()
