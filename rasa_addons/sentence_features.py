"""NLU component: all-MiniLM-L6-v2 sentence embeddings as dense features for the intent classifier.

Word and character n-grams only know the words they were shown: "our house was burgled yesterday" read
as a bare answer (``inform``) and "we lost our daughter last month" missed bereavement. A sentence
embedding carries meaning across wordings (3-fold cross-validation: weighted F1 0.878 -> 0.938,
docs/benchmarks.md). The model runs in-process with onnxruntime (~5 ms a message on 2 cores); Rasa's
runtime has no torch, so ``python -m actions.nlu_encoder`` exports it from the installed package first
(``./heard setup`` does). Nothing is downloaded.
"""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from rasa_addons import settings
from rasa_addons.sentence_encoder import FEATURES, EncoderNotPrepared, SentenceEncoder  # noqa: F401 (re-exported)

logger = logging.getLogger(__name__)


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
