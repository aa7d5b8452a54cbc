"""NLU component: a sensitive intent (fraud, bereavement, injury, hardship, a request for a person) guessed with middling
confidence stands only when the message has words that back it (``rasa_addons.evidence``).

Placed after the intent classifier and before the FallbackClassifier in ``config.yml``.
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

from rasa_addons.evidence import backed_intent

logger = logging.getLogger(__name__)

SET_ASIDE_KEY = "intents_set_aside"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class IntentEvidenceGuard(GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"min_confidence_without_evidence": 0.8}

    def __init__(self, config: Dict[Text, Any]) -> None:
        self._min_confidence = float(config["min_confidence_without_evidence"])

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "IntentEvidenceGuard":
        return cls({**cls.get_default_config(), **config})

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            intent, ranking, set_aside = backed_intent(
                message.get(INTENT), message.get(INTENT_RANKING_KEY) or [], message.get(TEXT) or "",
                min_confidence=self._min_confidence)
            if set_aside:
                logger.info("Set aside %s (no words back it) for a message of %d characters", set_aside,
                            len(message.get(TEXT) or ""))  # never the text: logs carry no customer words
                message.set(INTENT, intent, add_to_output=True)
                message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
                message.set(SET_ASIDE_KEY, set_aside, add_to_output=True)
        return messages
