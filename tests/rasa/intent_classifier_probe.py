"""Run by tests/rasa/test_intent_classifier.py in Rasa's own runtime (.venv-rasa).

    .venv-rasa/bin/python tests/rasa/intent_classifier_probe.py CONFIG_JSON... -> JSON list on stdout

Builds the component with each CONFIG_JSON over hand-made sentence features (a sparse count block and a dense
block), trains it on a tiny data set and reports the matrix it feeds to the model, its C and a prediction.
"""
from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import numpy as np
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy.sparse import coo_matrix

from rasa_addons.intent_classifier import TunedLogisticRegressionClassifier

# (sparse counts, dense features, intent): counts of different lengths for the same direction
EXAMPLES = [([2, 0, 0], [1.0, 0.0], "a"), ([6, 0, 0], [1.0, 0.0], "a"), ([1, 0, 0], [0.9, 0.1], "a"),
            ([0, 3, 4], [0.0, 1.0], "b"), ([0, 1, 0], [0.1, 0.9], "b"), ([0, 6, 8], [0.0, 1.0], "b")]


def message(sparse, dense, intent=None) -> Message:
    data = {TEXT: "x"} | ({INTENT: intent} if intent else {})
    result = Message(data=data)
    result.add_features(Features(coo_matrix(np.array([sparse], dtype=float)), "sentence", TEXT, "counts"))
    result.add_features(Features(np.array([dense], dtype=float), "sentence", TEXT, "dense"))
    return result


def main(config: dict) -> dict:
    try:
        TunedLogisticRegressionClassifier.validate_config(config)
    except ValueError as error:
        return {"error": str(error)}
    with tempfile.TemporaryDirectory() as directory:
        storage = LocalModelStorage(Path(directory))
        component = TunedLogisticRegressionClassifier(
            {**TunedLogisticRegressionClassifier.get_default_config(), **config}, "probe", storage,
            Resource("probe"))
        messages = [message(s, d, i) for s, d, i in EXAMPLES]
        matrix = component._create_X(messages).toarray()
        component.train(TrainingData(training_examples=messages))
        test = [message([0, 30, 40], [0.2, 0.8]), message([1, 0, 0], [0.8, 0.2])]
        component.process(test)
        return {"matrix": matrix.tolist(), "C": component.clf.C, "class_weight": component.clf.class_weight,
                "predicted": [m.get("intent")["name"] for m in test]}


if __name__ == "__main__":
    print(json.dumps([main(json.loads(argument)) for argument in sys.argv[1:]]))
