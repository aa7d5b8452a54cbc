"""The shipped head, the ONNX export and the training command."""
import json

import numpy as np
import pytest

from actions.emotion import prepare
from actions.emotion.embedder import Embedder, onnx_is_prepared, onnx_paths
from actions.emotion.head import HEAD_DIR, Head
from actions.emotion.scorer import EmotionScorer
from actions.emotion.train import train

TEXTS = ["ok", "I reported the water damage THREE WEEKS ago and nobody has called me.",
         "my dad passed away on sunday", "thank you so much!!"]


def test_shipped_head_is_small_plain_arrays_with_metrics():
    assert (HEAD_DIR / "head.npz").stat().st_size < 5_000_000
    head = Head.load()
    assert len(head.labels) == 28 and head.labels[-1] == "neutral"
    meta = json.loads((HEAD_DIR / "head.json").read_text())
    assert meta["metrics"]["dev"]["negative_auc"] > 0.8
    assert "holdout" in meta["metrics"]
    probs = head.predict(np.zeros((2, Embedder.dimension), np.float32))
    assert probs.shape == (2, 28) and np.allclose(probs.sum(axis=1), 1.0, atol=1e-5)


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
    head = Head.load()
    assert np.abs(head.predict(onnx_features) - head.predict(torch_features)).max() < 1e-3


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


EKMAN = {"anger": ["anger", "annoyance", "disapproval"], "disgust": ["disgust"], "fear": ["fear", "nervousness"],
         "joy": ["joy", "amusement", "approval", "excitement", "gratitude", "love", "optimism", "relief", "pride",
                 "admiration", "desire", "caring"],
         "sadness": ["sadness", "disappointment", "embarrassment", "grief", "remorse"],
         "surprise": ["surprise", "realization", "confusion", "curiosity"]}


def _tiny_goemotions(directory):
    """A small data set in GoEmotions' format (label scheme taken from the shipped head)."""
    head = Head.load()
    directory.mkdir()
    (directory / "emotions.txt").write_text("\n".join(head.labels) + "\n")
    (directory / "ekman_mapping.json").write_text(json.dumps(EKMAN))
    (directory / "sentiment_dict.json").write_text(json.dumps(head.sentiment))
    rows = [("I am so angry about this", "2"), ("thank you, that's lovely", "15"), ("when does it renew", "27"),
            ("I'm scared of what happens next", "14"), ("this is so annoying", "3"), ("I love it", "18"),
            ("my grandad died", "16,25"), ("ok", "27"), ("what a disappointment", "9"), ("yay!", "17")]
    lines = "\n".join(f"{t}\t{l}\tid{i}" for i, (t, l) in enumerate(rows * 3))
    (directory / "train.tsv").write_text(lines + "\n")
    (directory / "dev.tsv").write_text(lines + "\n")


def test_training_is_reproducible_and_writes_a_loadable_head(tmp_path):
    data = tmp_path / "goemotions"
    _tiny_goemotions(data)
    runs = []
    for n in (1, 2):
        out = tmp_path / f"head{n}"
        result = train(data, out, seed=3, holdout_fraction=0.2, calibration_file=None, cache_dir=tmp_path / "cache",
                       grid={"hidden": [8], "dropout": [0.0], "weight_decay": [0.01]}, max_epochs=3)
        assert set(result["metrics"]) == {"dev", "holdout"}
        runs.append(Head.load(out))
    for (w1, b1), (w2, b2) in zip(runs[0].weights, runs[1].weights):
        assert np.array_equal(w1, w2) and np.array_equal(b1, b2)
    assert runs[0].weights[0][0].shape == (Embedder.dimension, 8)



def test_fine_tuning_is_reproducible_and_compressing_a_whole_run_gives_the_same_files(tmp_path):
    from actions.emotion.finetune import compress, experiment

    data = tmp_path / "goemotions"
    _tiny_goemotions(data)
    options = {"seed": 3, "epochs": 1, "holdout_fraction": 0.2, "cache_dir": tmp_path / "cache"}
    first = experiment(data, tmp_path / "a", rank=4, **options)
    experiment(data, tmp_path / "b", rank=4, **options)
    experiment(data, tmp_path / "whole", rank=None, **options)
    compress(data, tmp_path / "whole", tmp_path / "c", rank=4)
    files = ("top_layers.safetensors", "head.npz")
    for name in files:
        shipped = (tmp_path / "a" / name).read_bytes()
        assert (tmp_path / "b" / name).read_bytes() == shipped
        assert (tmp_path / "c" / name).read_bytes() == shipped
    assert Head.load(tmp_path / "a").meta["metrics"] == first["metrics"]
    assert set(first["metrics"]) == {"dev", "holdout"} and first["delta_rank"] == 4
