"""NLU component: all-MiniLM-L6-v2 sentence embeddings as dense features for the intent classifier.

Word and character n-grams only know the words they were shown: "our house was burgled yesterday" read
as a bare answer (``inform``) and "we lost our daughter last month" missed bereavement. A sentence
embedding carries meaning across wordings (3-fold cross-validation: weighted F1 0.878 -> 0.938,
docs/benchmarks.md). The model runs in-process with onnxruntime (~5 ms a message on 2 cores); Rasa's
runtime has no torch, so ``python -m actions.nlu_encoder`` exports it from the installed package first
(``./heard setup`` does). Nothing is downloaded.
"""
from __future__ import annotations

import json
import logging
import threading
from pathlib import Path
from typing import Any, Dict, List, Optional, Text

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.exceptions import RasaException
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from rasa_addons import settings

logger = logging.getLogger(__name__)

# What actions/nlu_encoder.py writes (kept in step by tests/rasa/test_sentence_features.py).
MODEL_FILE, TOKENIZER_FILE, META_FILE = "model.onnx", "tokenizer.json", "meta.json"
FEATURES = "all-MiniLM-L6-v2 sentence embedding: mean-pooled last layer, L2-normalised, 384 values"
INPUT_NAMES = ("input_ids", "attention_mask", "token_type_ids")
MAX_TOKENS = 256


class EncoderNotPrepared(RasaException):
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
        wanted = [i for i, text in enumerate(texts) if text and text.strip()]
        for start in range(0, len(wanted), batch_size):
            rows = wanted[start : start + batch_size]
            encodings = self._tokenizer.encode_batch([texts[i] for i in rows])
            batch = {"input_ids": [e.ids for e in encodings], "attention_mask": [e.attention_mask for e in encodings],
                     "token_type_ids": [e.type_ids for e in encodings]}
            inputs = {name: np.asarray(batch[name], dtype=np.int64) for name in INPUT_NAMES}
            out[rows] = self._session.run(None, inputs)[0]
        return out


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class SentenceEmbeddingFeaturizer(DenseFeaturizer, GraphComponent):
    """Adds a sentence feature (the scaled embedding) to the text of every message."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            **DenseFeaturizer.get_default_config(),
            # The logistic regression sees these beside n-gram counts under one L2 penalty; a unit vector
            # at scale 1 barely moved it (3-fold CV, docs/benchmarks.md), 10 lets meaning weigh in.
            "scale": 10.0,
            "batch_size": 64,
        }

    def __init__(self, config: Dict[Text, Any], name: Text, encoder: SentenceEncoder) -> None:
        super().__init__(name, config)
        self._scale = float(config["scale"])
        self._batch_size = int(config["batch_size"])
        self._encoder = encoder

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "SentenceEmbeddingFeaturizer":
        encoder = SentenceEncoder(settings.NLU_ENCODER_DIR, threads=settings.NLU_ENCODER_THREADS)
        encoder.meta()  # a missing export fails here, at training or model load, with the command to run
        return cls({**cls.get_default_config(), **config}, execution_context.node_name, encoder)

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        if float(config.get("scale", 1.0)) <= 0:
            raise ValueError("SentenceEmbeddingFeaturizer: scale must be positive")

    @classmethod
    def fingerprint_addon(cls, config: Dict[str, Any]) -> Optional[str]:
        """Another export means other features: Rasa's training cache must not reuse the old ones."""
        try:
            return SentenceEncoder(settings.NLU_ENCODER_DIR).meta().get("onnx_sha256")
        except EncoderNotPrepared:
            return None

    @staticmethod
    def required_packages() -> List[Text]:
        return ["onnxruntime", "tokenizers"]

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self._featurize([m for m in training_data.training_examples if m.get(TEXT)])
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        self._featurize(messages)
        return messages

    def _featurize(self, messages: List[Message]) -> None:
        if not messages:
            return
        vectors = self._encoder.encode([m.get(TEXT) or "" for m in messages], self._batch_size) * self._scale
        for message, vector in zip(messages, vectors):
            self.add_features_to_message(None, vector[np.newaxis, :], TEXT, message)
