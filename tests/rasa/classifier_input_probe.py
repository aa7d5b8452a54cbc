"""Runs in Rasa's runtime: rasa_addons/classifier_input.py builds Rasa's classifier input, on the trained model.

    .venv-rasa/bin/python tests/rasa/classifier_input_probe.py models/heard.tar.gz [messages]

Every message the model parses (Heard's NLU examples, then odd ones: empty, long, unseen words, emoji) reaches the
classifier; there both builders make the input from the same featurized messages, one at a time and in batches,
and the matrices (shape, type, entries) and the classifier's probabilities on them are compared bit for bit.
"""
from __future__ import annotations

import asyncio
import copy
import json
import logging
import os
import random
import sys
from pathlib import Path

os.environ.setdefault("EMOTION_SCORER_URL", "http://127.0.0.1:9/score")  # before the settings load: no scorer

import numpy as np  # noqa: E402
import yaml  # noqa: E402
from rasa.core.agent import Agent
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier

from rasa_addons import classifier_input

RASA = LogisticRegressionClassifier._create_X  # Rasa's own, kept before install
ROOT = Path(__file__).resolve().parent.parent.parent
ODD = ["", "   ", "?", "😡😡😡 nobody answers", "a" * 600, "claim " * 80, "qwzx plorf vrendle",
       "MY HOUSE IS FLOODED!!!", "I'd like to cancel—now", "123456789", "policy HX-2231-99 renewal"]


def texts(limit: int) -> list[str]:
    found = []
    for path in sorted((ROOT / "data" / "nlu").glob("*.yml")):
        for block in (yaml.safe_load(path.read_text()) or {}).get("nlu") or []:
            for line in str(block.get("examples") or "").splitlines():
                line = line.strip()
                if line.startswith("- "):
                    found.append(line[2:])
    random.Random(7).shuffle(found)
    return ODD + found[:limit]


_by_column: dict = {}


def by_column(clf):
    """A copy of the classifier with its weights stored column by column, as the installed classifier keeps them."""
    if id(clf) not in _by_column:
        copied = copy.deepcopy(clf)
        classifier_input.weights_by_column(copied)
        assert copied.coef_.flags.f_contiguous and not clf.coef_.flags.f_contiguous
        _by_column[id(clf)] = copied
    return _by_column[id(clf)]


def same(a, b) -> bool:
    a, b = a.tocsr(), b.tocsr()
    a.sort_indices(), b.sort_indices()
    return (a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a.indptr, b.indptr)
            and np.array_equal(a.indices, b.indices) and np.array_equal(a.data, b.data))


def main() -> None:
    logging.disable(logging.WARNING)
    model, limit = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 1500
    seen = {"messages": 0, "batches": 0, "matrices_differ": 0, "probabilities_differ": 0, "intents_differ": 0,
            "refused_alike": 0}
    batch: list = []

    def compare(classifier, messages) -> bool:
        rasa, ours = RASA(classifier, messages), classifier_input.create_x(messages)
        seen["matrices_differ"] += not same(rasa, ours)
        refusals = []
        for matrix in (rasa, ours):
            try:
                classifier.clf.predict_proba(matrix)
            except ValueError as error:  # an empty message has no regex features: Rasa's matrix is too narrow
                refusals.append(str(error))
        if refusals:
            seen["refused_alike"] += len(refusals) == 2 and refusals[0] == refusals[1]
            return False
        p_rasa, p_ours = classifier.clf.predict_proba(rasa), by_column(classifier.clf).predict_proba(ours)
        seen["probabilities_differ"] += not np.array_equal(p_rasa, p_ours)
        seen["intents_differ"] += int((p_rasa.argmax(axis=1) != p_ours.argmax(axis=1)).sum())
        return True

    def checked(self, messages):
        seen["messages"] += len(messages)
        if compare(self, messages):
            batch.extend(messages)
        if len(batch) >= 7:  # several messages at once, as training-time evaluation passes them
            compare(self, batch)
            seen["batches"] += 1
            batch.clear()
        return RASA(self, messages)

    LogisticRegressionClassifier._create_X = checked
    agent = Agent.load(model)

    async def parse_all() -> None:
        for text in texts(limit):
            try:
                await agent.parse_message(text)
            except Exception as error:  # noqa: BLE001 - Rasa's own classifier refuses the empty message; compared above
                print(repr(error), repr(error.__cause__), file=sys.stderr)
                seen["parses_failed"] = seen.get("parses_failed", 0) + 1

    asyncio.run(parse_all())
    LogisticRegressionClassifier._create_X = RASA
    installed = [classifier_input.install(), classifier_input.install()]
    result = asyncio.run(agent.parse_message("when is my renewal due?"))
    classifiers = [node._component for node in agent.processor.graph_runner._instantiated_nodes.values()
                   if isinstance(getattr(node, "_component", None), LogisticRegressionClassifier)]
    seen["installed"] = {"weights_by_column": bool(classifiers) and all(
        classifier.clf.coef_.flags.f_contiguous for classifier in classifiers)}
    LogisticRegressionClassifier._create_X = RASA
    rasa_result = asyncio.run(agent.parse_message("when is my renewal due?"))
    seen["installed"].update(answers=installed, same_parse=result["intent_ranking"] == rasa_result["intent_ranking"])
    print(json.dumps(seen))


if __name__ == "__main__":
    main()
