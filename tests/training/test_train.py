"""The training command (``training/``): multi-task fine-tuning, members, compression, on tiny data sets."""
import json

import numpy as np
import pytest

from actions.emotion.embedder import FEATURE_DIM
from actions.emotion.head import AFFECT_FILE, ENSEMBLE_FILE, Affect, Ensemble, Head
from actions.emotion.scorer import EmotionScorer
from training.finetune import compress, experiment
from training.train import measure, train


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
    data = tmp_path / "goemotions"
    _tiny_goemotions(data)
    for seed, split_seed in ((3, 3), (4, 5)):
        experiment(data, tmp_path / f"seed-{seed}", seed=seed, split_seed=split_seed, epochs=1, holdout_fraction=0.2,
                   rank=4, cache_dir=tmp_path / "cache")
    with pytest.raises(ValueError, match="different hold-out"):
        measure(data, tmp_path, ["seed-3", "seed-4"], cache_dir=tmp_path / "cache")


def test_fine_tuning_is_reproducible_and_compressing_a_whole_run_gives_the_same_files(tmp_path):
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


def _tiny_emobank(directory):
    """A small data set in EmoBank's format: clear negative/aroused and positive/calm sentences, each rated
    slightly differently in each of four wordings."""
    directory.mkdir()
    rows = [("I am furious about this", 1.5, 4.2), ("what a calm and lovely day", 4.0, 1.8),
            ("great news, we won!", 4.4, 3.9), ("the report is attached", 3.0, 2.6), ("my dog died", 1.4, 3.0)]
    rows = [(f"{t} {tail}", v + 0.1 * k, a - 0.1 * k) for k, tail in enumerate(["", "today", "again", "now"])
            for t, v, a in rows]
    for split in ("train", "dev"):
        lines = "".join(f"id{i},{v:.2f},{a:.2f},3.0,\"{t}\"\n" for i, (t, v, a) in enumerate(rows))
        (directory / f"{split}.csv").write_text("id,V,A,D,text\n" + lines)


def test_multi_task_run_writes_an_affect_head_the_scorer_reads_and_a_second_stage_continues_it(tmp_path):
    _tiny_goemotions(tmp_path / "goemotions")
    _tiny_emobank(tmp_path / "emobank")
    options = {"epochs": 1, "holdout_fraction": 0.2, "rank": 4, "cache_dir": tmp_path / "cache", "split_seed": 3,
               "emobank_dir": tmp_path / "emobank"}
    first = experiment(tmp_path / "goemotions", tmp_path / "first", seed=3, **options)
    assert (tmp_path / "first" / AFFECT_FILE).is_file()
    assert set(first["metrics"]) == {"dev", "holdout", "emobank_select", "emobank_dev"}
    assert set(first["metrics"]["emobank_dev"]) == {"valence_r", "arousal_r"}
    assert first["emobank"]["select_rows"] == 4 and first["emobank"]["fit_rows"] == 16
    affect = Affect.load(tmp_path / "first")
    assert affect.target_mean[0] == pytest.approx(np.mean([1.5, 4.0, 4.4, 3.0, 1.4]), abs=0.3)
    scorer = EmotionScorer(head_dir=tmp_path / "first", backend="torch")
    score = scorer.score("I am furious about this")
    assert 0 <= score["arousal"] <= 1 and -1 <= score["valence"] <= 1
    second = experiment(tmp_path / "goemotions", tmp_path / "second", seed=4, start=tmp_path / "first",
                        label_fraction=0.5, **options)
    assert second["label_rows"] == 12 and second["label_fraction"] == 0.5  # half of the 24 fit comments
    assert second["started_from"]["folder"] == "first"
    with pytest.raises(ValueError, match="another hold-out split"):
        experiment(tmp_path / "goemotions", tmp_path / "x", seed=4, start=tmp_path / "first",
                   **{**options, "split_seed": 5})


def test_a_run_without_emobank_has_no_affect_head_and_the_scorer_falls_back_to_the_labels(tmp_path):
    _tiny_goemotions(tmp_path / "goemotions")
    experiment(tmp_path / "goemotions", tmp_path / "plain", seed=3, epochs=1, holdout_fraction=0.2, rank=4,
               cache_dir=tmp_path / "cache")
    assert not (tmp_path / "plain" / AFFECT_FILE).exists()
    model = Ensemble.load(tmp_path / "plain")
    assert model.affects is None and model.predict_affect(np.zeros((1, FEATURE_DIM), np.float32)) is None
    score = EmotionScorer(head_dir=tmp_path / "plain", backend="torch").score("when does it renew")
    assert not [c for c in score["cues"] if not c.startswith("model:")]
    # No affect head and no cue: intensity is the labels' arousal, as the scorer read it before EmoBank.
    assert score["intensity"] == score["arousal"]


def test_train_fits_the_valence_arousal_head_on_emobank_and_records_it(tmp_path):
    _tiny_goemotions(tmp_path / "goemotions")
    _tiny_emobank(tmp_path / "emobank")
    manifest = train(tmp_path / "goemotions", tmp_path / "model", members=({"seed": 3},), epochs=1,
                     holdout_fraction=0.2, rank=4, cache_dir=tmp_path / "cache", emobank_dir=tmp_path / "emobank")
    record = json.loads((tmp_path / "model" / ENSEMBLE_FILE).read_text())["affect_head"]
    assert record == manifest["affect_head"] and record["select_rows"] == 2 and record["fit_rows"] == 18
    assert set(record["members"]["seed-3"]["emobank_dev"]) == {"valence_r", "arousal_r"}
    assert Ensemble.load(tmp_path / "model").affects is not None
    # Re-measuring keeps the record.
    measure(tmp_path / "goemotions", tmp_path / "model", ["seed-3"], cache_dir=tmp_path / "cache")
    assert json.loads((tmp_path / "model" / ENSEMBLE_FILE).read_text())["affect_head"] == record
