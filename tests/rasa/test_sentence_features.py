"""Intent features from MiniLM: the export (actions/nlu_encoder.py, Python 3.11 + torch) and the Rasa
component that reads it (rasa_addons/sentence_features.py, Rasa's runtime with onnxruntime only)."""
from __future__ import annotations

import json
import os
import shutil
import subprocess

import numpy as np
import pytest

from actions import config
from actions import nlu_encoder
from actions.emotion.embedder import model_dir
from tests.conftest import ROOT

RASA_PY = ROOT / ".venv-rasa" / "bin" / "python"
PROBE = ROOT / "tests" / "rasa" / "sentence_features_probe.py"
TEXTS = ["our house was burgled yesterday", "someone broke into my home last night",
         "when does my policy renew", "", "   "]


def probe(directory, *texts: str) -> dict:
    result = subprocess.run([str(RASA_PY), str(PROBE), str(directory), *texts], cwd=ROOT, capture_output=True,
                            text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def export_dir():
    """The export ./heard setup made (the one the Rasa model is trained on); made here if missing."""
    return nlu_encoder.export(config.NLU_ENCODER_DIR)


@pytest.fixture(scope="module")
def probed(export_dir):
    return probe(export_dir, *TEXTS)


def test_rasa_side_embeddings_equal_sentence_transformers_in_the_other_runtime(probed):
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(model_dir()), device="cpu", local_files_only=True)
    reference = model.encode(TEXTS[:3], normalize_embeddings=True)
    vectors = np.array(probed["vectors"][:3])
    assert vectors.shape == (3, 384)
    assert (vectors * reference).sum(axis=1).min() > 0.9999


def test_paraphrases_are_closer_than_other_requests(probed):
    burgled, broke_in, renew = (np.array(v) for v in probed["vectors"][:3])
    assert burgled @ broke_in > burgled @ renew + 0.2
    assert np.allclose([np.linalg.norm(v) for v in (burgled, broke_in, renew)], 1.0, atol=1e-5)


def test_a_message_without_words_gets_zeros_not_an_error(probed):
    assert probed["vectors"][3] == [0.0] * 384 and probed["vectors"][4] == [0.0] * 384


def test_the_component_adds_one_scaled_sentence_feature_per_message(probed):
    assert probed["feature_shapes"] == [[1, 384]] * len(TEXTS)
    assert probed["sequence_features"] == [False] * len(TEXTS)  # only a sentence feature; n-grams keep tokens
    assert np.allclose(probed["features"][0], np.array(probed["vectors"][0]) * 10.0, atol=1e-5)


def test_a_missing_export_says_which_command_makes_it(tmp_path):
    error = probe(tmp_path / "nowhere", "hello")["error"]
    assert "No sentence encoder" in error and "python -m actions.nlu_encoder" in error


def test_an_export_of_other_features_is_refused(tmp_path, export_dir):
    other = tmp_path / "other"
    shutil.copytree(export_dir, other)
    meta = json.loads((other / nlu_encoder.META_FILE).read_text())
    (other / nlu_encoder.META_FILE).write_text(json.dumps({**meta, "features": "something else"}))
    assert "holds other features" in probe(other, "hello")["error"]


def test_the_export_is_redone_only_when_missing_or_stale(tmp_path, export_dir):
    target = tmp_path / "export"
    shutil.copytree(export_dir, target)
    written = (target / nlu_encoder.MODEL_FILE).stat().st_mtime_ns
    nlu_encoder.export(target)
    assert (target / nlu_encoder.MODEL_FILE).stat().st_mtime_ns == written  # up to date: left alone

    meta = json.loads((target / nlu_encoder.META_FILE).read_text())
    (target / nlu_encoder.META_FILE).write_text(json.dumps({**meta, "source": {"weights_sha256": "other"}}))
    assert not nlu_encoder.is_prepared(target)
    nlu_encoder.export(target)
    assert nlu_encoder.is_prepared(target)
    assert json.loads((target / nlu_encoder.META_FILE).read_text())["onnx_sha256"] == meta["onnx_sha256"]


def test_the_trained_bot_understands_wordings_its_training_data_never_used():
    """Each of these was misread by the n-gram pipeline alone (fallback, or a wrong intent)."""
    model = ROOT / "models" / "heard.tar.gz"
    assert model.exists(), "models/heard.tar.gz missing: ./heard test trains it before the tests"
    expected = {"thieves took my bike from the shed": "file_claim",
                "grandma went peacefully in her sleep": "disclose_bereavement",
                "I'd like to change the email you have for me": "update_contact_details"}
    result = subprocess.run([str(RASA_PY), str(ROOT / "tests" / "rasa" / "parse_probe.py"), str(model), *expected],
                            cwd=ROOT, capture_output=True, text=True, timeout=300,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr[-3000:]
    parsed = json.loads(result.stdout.strip().splitlines()[-1])
    assert {p["text"]: p["intent"] for p in parsed} == expected, parsed
