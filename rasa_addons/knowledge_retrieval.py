"""NLU component: the insurer's vetted knowledge base, searched with the message's own sentence embedding.

Runs after the FallbackClassifier. It adds the best entries to the parse data
(``knowledge: {"matches": [{"id", "score"}…], "outcome": answer|clarify|none}``) for
``action_answer_question``, and rescues long-tail questions the intent classifier misreads: when the intent
is one of ``rescue_intents`` (out_of_scope, nlu_fallback; inform and the canned-answer or flow intents only when
shaped like a question, the latter only for one clear entry; never a question about the customer's own policy
or claim) and the knowledge base has an answer or a close choice, the intent becomes ``ask_question``.

The index (every entry's wordings and answer, encoded at training, and BM25 statistics of each entry's
words, ``actions/knowledge/lexical.py``) is stored in the model, and Rasa's
training cache includes the content's hash, so a changed answer file retrains the model. The message's
embedding comes from ``SentenceEmbeddingFeaturizer`` (no second encoding); a message without it (an empty
text) is encoded here.
"""
from __future__ import annotations

import hashlib
import logging
from typing import Any, Dict, List, Optional, Text

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from actions.knowledge import content
from actions.knowledge.matching import Index, RetrievalSettings, decide, may_rescue
from rasa_addons import settings
from rasa_addons.sentence_encoder import SentenceEncoder

logger = logging.getLogger(__name__)

KNOWLEDGE_KEY = "knowledge"
RESCUED_KEY = "intent_rescued_from"


# Changes when what the index stores changes (2: BM25 word statistics beside the vectors), so that Rasa's
# training cache does not hand a new retriever an index without them.
INDEX_FORMAT = b"2"


def content_fingerprint() -> str:
    """Hash of every knowledge file and the index format: another answer or wording means another index."""
    digest = hashlib.sha256(INDEX_FORMAT)
    for path in sorted(content.KNOWLEDGE_DIR.glob("*.yml")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class KnowledgeRetriever(GraphComponent):
    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
                 index: Optional[Index] = None) -> None:
        self._model_storage, self._resource = model_storage, resource
        self._index = index
        self._settings = RetrievalSettings.from_file()
        self._encoder = SentenceEncoder(settings.NLU_ENCODER_DIR, threads=settings.NLU_ENCODER_THREADS)

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {}

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "KnowledgeRetriever":
        return cls(config, model_storage, resource)

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "KnowledgeRetriever":
        try:
            with model_storage.read_from(resource) as directory:
                index = Index.load(directory)
        except (ValueError, OSError) as error:
            logger.warning("No knowledge index in the model (%s): questions fall back to the intent alone", error)
            index = None
        return cls(config, model_storage, resource, index)

    @classmethod
    def fingerprint_addon(cls, config: Dict[str, Any]) -> Optional[str]:
        return content_fingerprint()

    def train(self, training_data: TrainingData) -> Resource:
        kb = content.load()  # a broken knowledge file stops training with its entry named
        self._index = Index.build(kb, self._encoder.encode)
        with self._model_storage.write_to(self._resource) as directory:
            self._index.save(directory)
        logger.info("Knowledge index: %d entries, %d rows", len(kb.entries), len(self._index.owners))
        return self._resource

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        if self._index is None:
            return messages
        for message in messages:
            self._process_one(message)
        return messages

    def _embedding(self, message: Message) -> np.ndarray:
        _, sentence = message.get_dense_features(TEXT)
        if sentence is not None and sentence.features.shape[-1] == self._index.matrix.shape[1]:
            return np.asarray(sentence.features).reshape(-1)
        return self._encoder.encode([message.get(TEXT) or ""])[0]

    def _process_one(self, message: Message) -> None:
        matches = self._index.search(self._embedding(message), self._settings.top_k, message.get(TEXT) or "",
                                     self._settings.lexical_weight)
        decision = decide(matches, self._settings)
        message.set(KNOWLEDGE_KEY, {"matches": [m.as_dict() for m in matches], "outcome": decision.outcome},
                    add_to_output=True)
        name = (message.get(INTENT) or {}).get("name")
        if not may_rescue(name, message.get(TEXT) or "", message.get(ENTITIES) or [], decision, self._settings):
            return
        rescued = {"name": self._settings.intent, "confidence": decision.best.cosine}  # 0-1, unlike the ranking score
        ranking = [rescued] + [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != rescued["name"]]
        message.set(INTENT, rescued, add_to_output=True)
        message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        message.set(RESCUED_KEY, name, add_to_output=True)
        logger.info("Intent %s -> %s (knowledge %s %.2f, cosine %.2f)", name, rescued["name"],
                    decision.best.entry_id, decision.best.score, decision.best.cosine)
