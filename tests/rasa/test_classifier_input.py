"""rasa_addons/classifier_input.py: the logistic regression's input built in one step is Rasa's, bit for bit."""
from __future__ import annotations

import pytest

from tests.conftest import run_model_probe


@pytest.fixture(scope="module")
def probed() -> dict:
    return run_model_probe("classifier_input_probe.py", "600")


def test_every_message_gets_rasas_matrix_and_probabilities(probed):
    # Heard's NLU examples and odd messages (long, unseen words, emoji), one at a time and seven at once.
    assert probed["messages"] > 600 and probed["batches"] > 80
    assert probed["matrices_differ"] == 0
    assert probed["probabilities_differ"] == 0
    assert probed["intents_differ"] == 0


def test_a_message_rasas_classifier_refuses_is_refused_alike(probed):
    # "" and "   " have no regex features, so Rasa's own matrix is 31 columns short and the classifier raises;
    # the one-step matrix is the same and is refused with the same error (the two checks, both parses failing).
    assert probed["refused_alike"] == 2
    assert probed["parses_failed"] == 2


def test_installed_once_the_parse_is_rasas(probed):
    # The served classifier keeps its weights column by column, and the probabilities above were compared with them.
    assert probed["installed"] == {"answers": [True, False], "same_parse": True, "weights_by_column": True}
