"""NLU component: weak evidence gets one short question (``rasa_addons.understanding``).

Placed after the ``KnowledgeRetriever`` in ``config.yml`` (it reads the knowledge base's outcome): an
``out_of_scope`` guess for a message plainly meant for an insurer becomes ``clarify_topic``, which
``data/rules/judgement.yml`` answers with one short question. What it replaced is kept in the parse data under
``understanding_check``.
"""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from rasa_addons.understanding import CLARIFY_TOPIC, UnderstandingRules, clarify_reading

logger = logging.getLogger(__name__)

CHECK_KEY = "understanding_check"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class UnderstandingCheck(GraphComponent):
    def __init__(self, rules: UnderstandingRules) -> None:
        self._rules = rules

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "UnderstandingCheck":
        return cls(UnderstandingRules.load())

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            intent = message.get(INTENT) or {}
            knowledge = message.get("knowledge") or {}
            # A match too weak to overrule an off-topic reading (retrieval.yml `rescue_min_cosine`) is no answer.
            outcome = "none" if knowledge.get("below_rescue_floor") else knowledge.get("outcome")
            reason = clarify_reading(intent.get("name"), outcome, message.get(TEXT) or "", self._rules)
            if not reason:
                continue
            replaced = {"name": CLARIFY_TOPIC, "confidence": 1.0}
            ranking = [replaced] + [dict(r) for r in message.get(INTENT_RANKING_KEY) or []
                                    if r.get("name") != CLARIFY_TOPIC]
            logger.info("Read %s as %s (%s)", intent.get("name"), CLARIFY_TOPIC, reason)
            message.set(INTENT, replaced, add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
            message.set(CHECK_KEY, {"from": intent.get("name"), "to": CLARIFY_TOPIC, "reason": reason},
                        add_to_output=True)
        return messages
