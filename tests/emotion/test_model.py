"""The shipped heads and the ONNX export."""
import json

import numpy as np
import pytest

from actions.emotion import prepare
from actions.emotion.embedder import FEATURE_DIM, Embedder, Tokenizer, onnx_is_prepared, onnx_paths, spell_out_emoji
from actions.emotion.head import ENSEMBLE_FILE, HEAD_DIR, Ensemble, Head, member_dirs
from actions.emotion.scorer import EmotionScorer

TEXTS = ["ok", "I reported the water damage THREE WEEKS ago and nobody has called me.",
         "my dad passed away on sunday", "thank you so much!!"]


def test_shipped_model_is_small_plain_arrays_with_metrics():
    members = member_dirs()
    assert len(members) >= 1
    for member in members:
        assert (member / "head.npz").stat().st_size < 5_000_000
        assert (member / "top_layers.safetensors").stat().st_size < 10_000_000
    model = Ensemble.load()
    assert len(model.labels) == 28 and model.labels[-1] == "neutral"
    meta = json.loads((HEAD_DIR / ENSEMBLE_FILE).read_text())
    assert meta["metrics"]["dev"]["negative_auc"] > 0.8
    assert "holdout" in meta["metrics"] and set(meta["member_metrics"]) == set(meta["members"])
    # Every member has its valence/arousal head, fitted and measured on EmoBank (dev figures recorded).
    assert model.affects is not None and len(model.affects) == len(members)
    assert set(meta["affect_head"]["members"]) == set(meta["members"])
    assert all(m["emobank_dev"]["valence_r"] > 0.65 and m["emobank_dev"]["arousal_r"] > 0.5
               for m in meta["affect_head"]["members"].values())
    features = np.random.default_rng(0).normal(size=(2, Embedder().dimension)).astype(np.float32)
    probs = model.predict(features)
    assert probs.shape == (2, 28) and np.allclose(probs.sum(axis=1), 1.0, atol=1e-5)
    assert model.predict_affect(features).shape == (2, 2)
    each = [head.predict(features[:, i * FEATURE_DIM : (i + 1) * FEATURE_DIM]) for i, head in enumerate(model.heads)]
    assert np.allclose(probs, np.mean(each, axis=0), atol=1e-6)


def test_the_model_reads_emoji_by_name_not_as_unknown_tokens():
    tokenizer = Tokenizer()
    unknown = tokenizer._tok.token_to_id("[UNK]")
    ids = tokenizer.encode(["so slow 😡", "😂😂 ❤"])["input_ids"]
    assert unknown not in ids
    assert spell_out_emoji("so slow 😡").split() == ["so", "slow", "enraged", "face"]
    assert spell_out_emoji("plain text snake_case") == "plain text snake_case"


@pytest.fixture(scope="module")
def onnx_dir(tmp_path_factory):
    """The prepared export if setup made one, else a fresh one (tests the build step either way)."""
    if onnx_is_prepared():
        return None
    directory = tmp_path_factory.mktemp("onnx")
    prepare(directory)
    return directory


def test_prepare_is_idempotent(onnx_dir):
    model_path, _ = onnx_paths(onnx_dir)
    before = model_path.stat().st_mtime_ns
    assert prepare(onnx_dir) == model_path
    assert model_path.stat().st_mtime_ns == before


def test_onnx_and_torch_give_the_same_features_and_scores(onnx_dir):
    onnx_features = Embedder("onnx", onnx_dir).embed(TEXTS)
    torch_features = Embedder("torch").embed(TEXTS)
    cosine = (onnx_features * torch_features).sum(1) / (
        np.linalg.norm(onnx_features, axis=1) * np.linalg.norm(torch_features, axis=1))
    assert cosine.min() > 0.9999
    model = Ensemble.load()
    assert np.abs(model.predict(onnx_features) - model.predict(torch_features)).max() < 1e-3


def test_torch_fallback_scorer_works_and_agrees(scorer):
    fallback = EmotionScorer(backend="torch")
    for text in TEXTS:
        slow, fast = fallback.score(text), scorer.score(text)
        assert slow["tone"] == fast["tone"] and slow["cues"] == fast["cues"]
        assert slow["intensity"] == pytest.approx(fast["intensity"], abs=2e-3)
    assert fallback.backend == "torch"


def test_onnx_backend_refuses_a_missing_export(tmp_path):
    with pytest.raises(RuntimeError, match="prepare"):
        Embedder("onnx", tmp_path).load()


def test_the_export_check_refuses_features_that_move_the_heads_outputs():
    from actions.emotion.prepare import MAX_HEAD_DIFF, check_heads

    model = Ensemble.load()
    features = np.random.default_rng(1).normal(size=(3, Embedder().dimension)).astype(np.float32)
    assert check_heads(model, features, features.copy()) == 0.0
    with pytest.raises(RuntimeError, match="moves the heads"):
        check_heads(model, features, features + 0.5)
    assert MAX_HEAD_DIFF <= 1e-3
