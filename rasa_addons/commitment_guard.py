"""NLU component: evidence before commitment (``rasa_addons.commitment``).

Placed after ``IntentEvidenceGuard`` and before the FallbackClassifier in ``config.yml``. What it replaced
is kept in the parse data under ``commitment_guard`` for the agent and the logs.
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

from rasa_addons.commitment import CommitmentRules, guarded_intent

logger = logging.getLogger(__name__)

GUARD_KEY = "commitment_guard"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class CommitmentGuard(GraphComponent):
    def __init__(self, rules: CommitmentRules) -> None:
        self._rules = rules

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "CommitmentGuard":
        return cls(CommitmentRules.load())

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            intent, ranking, replaced = guarded_intent(
                message.get(INTENT), message.get(INTENT_RANKING_KEY) or [], message.get(TEXT) or "", self._rules)
            if replaced:
                logger.info("Read %s as %s (%s)", replaced["from"], replaced["to"], replaced["reason"])
                message.set(INTENT, intent, add_to_output=True)
                message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
                message.set(GUARD_KEY, replaced, add_to_output=True)
        return messages
