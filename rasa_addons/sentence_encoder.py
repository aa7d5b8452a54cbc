"""all-MiniLM-L6-v2 sentence embeddings from the ONNX export (no Rasa, no torch).

Used by the intent features (``rasa_addons.sentence_features``) and the knowledge-base retriever
(``rasa_addons.knowledge_retrieval``) inside Rasa, and by tests and ``bench/knowledge_retrieval.py`` in the
action server's runtime, so both runtimes encode text exactly alike.
"""
from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any, Dict, List, Text

import numpy as np

try:
    from rasa.shared.exceptions import RasaException as _ErrorBase
except ImportError:  # the action server's runtime (tests, benchmarks) has no Rasa
    _ErrorBase = RuntimeError

# What actions/nlu_encoder.py writes (kept in step by tests/rasa/test_sentence_features.py).
MODEL_FILE, TOKENIZER_FILE, META_FILE = "model.onnx", "tokenizer.json", "meta.json"
FEATURES = "all-MiniLM-L6-v2 sentence embedding: mean-pooled last layer, L2-normalised, 384 values"
INPUT_NAMES = ("input_ids", "attention_mask", "token_type_ids")
MAX_TOKENS = 256


class EncoderNotPrepared(_ErrorBase):
    """The ONNX export is missing or is not the one this component reads."""


class SentenceEncoder:
    """The exported model and its tokenizer; loaded on first use, safe to share between threads."""

    def __init__(self, directory: Path, threads: int = 1) -> None:
        self.directory = Path(directory)
        self._threads = threads
        self._lock = threading.Lock()
        self._session = None
        self._tokenizer = None
        self._dimension = 0

    def meta(self) -> Dict[Text, Any]:
        try:
            meta = json.loads((self.directory / META_FILE).read_text())
        except (OSError, ValueError) as error:
            raise EncoderNotPrepared(
                f"No sentence encoder in {self.directory} ({error}). "
                f"Run `./heard setup` or `.venv/bin/python -m actions.nlu_encoder`.") from error
        if meta.get("features") != FEATURES:
            raise EncoderNotPrepared(
                f"{self.directory} holds other features ({meta.get('features')!r}); "
                f"re-export with `.venv/bin/python -m actions.nlu_encoder --force`.")
        return meta

    def _load(self) -> None:
        with self._lock:
            if self._session is not None:
                return
            import onnxruntime as ort
            from tokenizers import Tokenizer

            dimension = int(self.meta()["dimension"])
            tokenizer = Tokenizer.from_file(str(self.directory / TOKENIZER_FILE))
            tokenizer.enable_truncation(MAX_TOKENS)
            tokenizer.enable_padding()
            options = ort.SessionOptions()
            options.intra_op_num_threads = self._threads
            # Spinning threads would fight the action server for the same two cores.
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
            self._tokenizer, self._dimension = tokenizer, dimension
            self._session = ort.InferenceSession(str(self.directory / MODEL_FILE), options,
                                                 providers=["CPUExecutionProvider"])

    def encode(self, texts: List[Text], batch_size: int = 64) -> np.ndarray:
        """Unit vectors, one row per text (a text without words gets a row of zeros)."""
        if self._session is None:
            self._load()
        out = np.zeros((len(texts), self._dimension), dtype=np.float32)
        # Batches of texts of like length: a batch is padded to its longest text, so in arrival order most of
        # the work was padding (CLINC150's validation texts: 10.9 -> 5.3 s CPU, vectors equal within 1e-7).
        wanted = sorted((i for i, text in enumerate(texts) if text and text.strip()), key=lambda i: len(texts[i]))
        for start in range(0, len(wanted), batch_size):
            rows = wanted[start : start + batch_size]
            encodings = self._tokenizer.encode_batch([texts[i] for i in rows])
            batch = {"input_ids": [e.ids for e in encodings], "attention_mask": [e.attention_mask for e in encodings],
                     "token_type_ids": [e.type_ids for e in encodings]}
            inputs = {name: np.asarray(batch[name], dtype=np.int64) for name in INPUT_NAMES}
            out[rows] = self._session.run(None, inputs)[0]
        return out
