"""NLU component: Rasa's logistic-regression intent classifier with its regularisation and class weights
configurable.

Rasa's ``LogisticRegressionClassifier`` fixes ``C=1`` and ``class_weight="balanced"``. With word and
character n-gram counts beside a scaled sentence embedding, the penalty decides how far the model trusts
rare n-grams over meaning, and the public benchmarks (bench/public_intents.py, docs/benchmarks.md) moved
with it. Training, persistence and prediction are Rasa's own; only the scikit-learn estimator's two
parameters change.
"""
from __future__ import annotations

from typing import Any, Dict, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier

CLASS_WEIGHTS = ("balanced", None)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class LinearIntentClassifier(LogisticRegressionClassifier):
    """Logistic regression over all sentence features, with ``C`` and ``class_weight`` from config.yml."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {**LogisticRegressionClassifier.get_default_config(), "C": 1.0, "class_weight": "balanced"}

    def __init__(self, config: Dict[Text, Any], name: Text, model_storage: ModelStorage,
                 resource: Resource) -> None:
        super().__init__(config, name, model_storage, resource)
        self.clf.set_params(C=float(self.config["C"]), class_weight=self.config["class_weight"])

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        if float(config.get("C", 1.0)) <= 0:
            raise ValueError("LinearIntentClassifier: C must be positive")
        if config.get("class_weight", "balanced") not in CLASS_WEIGHTS:
            raise ValueError(f"LinearIntentClassifier: class_weight must be one of {CLASS_WEIGHTS}")
