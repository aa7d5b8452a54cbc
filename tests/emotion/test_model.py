"""The shipped head, the ONNX export and the training command."""
import json

import numpy as np
import pytest

from actions.emotion import prepare
from actions.emotion.embedder import FEATURE_DIM, Embedder, Tokenizer, onnx_is_prepared, onnx_paths, spell_out_emoji
from actions.emotion.head import ENSEMBLE_FILE, HEAD_DIR, Ensemble, Head, member_dirs
from actions.emotion.scorer import EmotionScorer
from actions.emotion.train import measure, train

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
    features = np.random.default_rng(0).normal(size=(2, Embedder().dimension)).astype(np.float32)
    probs = model.predict(features)
    assert probs.shape == (2, 28) and np.allclose(probs.sum(axis=1), 1.0, atol=1e-5)
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


EKMAN = {"anger": ["anger", "annoyance", "disapproval"], "disgust": ["disgust"], "fear": ["fear", "nervousness"],
         "joy": ["joy", "amusement", "approval", "excitement", "gratitude", "love", "optimism", "relief", "pride",
                 "admiration", "desire", "caring"],
         "sadness": ["sadness", "disappointment", "embarrassment", "grief", "remorse"],
         "surprise": ["surprise", "realization", "confusion", "curiosity"]}


def _tiny_goemotions(directory):
    """A small data set in GoEmotions' format (label scheme taken from the shipped head)."""
    head = Ensemble.load()
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


def test_training_writes_a_measured_ensemble_the_scorer_loads(tmp_path):
    data = tmp_path / "goemotions"
    _tiny_goemotions(data)
    out = tmp_path / "model"
    manifest = train(data, out, members=({"seed": 3}, {"seed": 4, "aux_weight": 2.0}), epochs=1, holdout_fraction=0.2, rank=4, cache_dir=tmp_path / "cache")
    assert manifest["members"] == ["seed-3", "seed-4"] and set(manifest["metrics"]) == {"dev", "holdout"}
    assert json.loads((out / ENSEMBLE_FILE).read_text())["metrics"] == manifest["metrics"]
    scorer = EmotionScorer(head_dir=out, backend="torch")
    assert scorer.embedder.dimension == 2 * FEATURE_DIM
    assert 0 <= scorer.score("I am so angry about this")["intensity"] <= 1
    heads = [Head.load(out / m) for m in manifest["members"]]
    assert not np.array_equal(heads[0].weights[0][0], heads[1].weights[0][0])  # the seeds differ
    assert heads[1].meta["settings"]["aux_weight"] == 2.0


def test_members_fitted_on_different_hold_out_slices_are_refused(tmp_path):
    from actions.emotion.finetune import experiment

    data = tmp_path / "goemotions"
    _tiny_goemotions(data)
    for seed, split_seed in ((3, 3), (4, 5)):
        experiment(data, tmp_path / f"seed-{seed}", seed=seed, split_seed=split_seed, epochs=1, holdout_fraction=0.2,
                   rank=4, cache_dir=tmp_path / "cache")
    with pytest.raises(ValueError, match="different hold-out"):
        measure(data, tmp_path, ["seed-3", "seed-4"], cache_dir=tmp_path / "cache")


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


def test_distilling_from_a_teacher_on_the_same_split_changes_the_targets_and_is_recorded(tmp_path):
    from actions.emotion.finetune import experiment

    data = tmp_path / "goemotions"
    _tiny_goemotions(data)
    options = {"epochs": 1, "holdout_fraction": 0.2, "rank": 4, "cache_dir": tmp_path / "cache"}
    experiment(data, tmp_path / "teacher", seed=3, split_seed=3, **options)
    plain = experiment(data, tmp_path / "plain", seed=4, split_seed=3, settings={"ema_decay": 0.9}, **options)
    distilled = experiment(data, tmp_path / "student", seed=4, split_seed=3, teachers=[tmp_path / "teacher"],
                           settings={"ema_decay": 0.9, "distil_weight": 0.5}, **options)
    assert distilled["settings"]["distil_weight"] == 0.5 and distilled["settings"]["teachers"] == ["teacher"]
    assert distilled["chosen_epoch"] in (1, "1 (ema)") and plain["settings"]["ema_decay"] == 0.9
    student, baseline = Head.load(tmp_path / "student"), Head.load(tmp_path / "plain")
    assert not np.array_equal(student.weights[0][0], baseline.weights[0][0])
    with pytest.raises(ValueError, match="another hold-out split"):
        experiment(data, tmp_path / "x", seed=4, split_seed=5, teachers=[tmp_path / "teacher"],
                   settings={"distil_weight": 0.5}, **options)
    with pytest.raises(ValueError, match="needs teachers"):
        experiment(data, tmp_path / "y", seed=4, split_seed=3, settings={"distil_weight": 0.5}, **options)
