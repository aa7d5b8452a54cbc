"""rasa_addons/graph_order.py: Rasa's graphs run in the order dask chose, with the same results and errors."""
from __future__ import annotations

import pytest

from tests.conftest import run_model_probe


@pytest.fixture(scope="module")
def probed() -> dict:
    return run_model_probe("graph_order_probe.py", "40")


def test_predictions_on_random_conversations_are_rasas(probed):
    assert probed["predictions"] > 250
    assert probed["predictions_differ"] == 0


def test_parses_of_the_nlu_examples_are_rasas(probed):
    assert probed["parses"] > 300
    assert probed["parses_differ"] == 0


def test_each_graph_shape_is_ordered_once_as_dask_orders_it(probed):
    # The policy graph (6 nodes: domain, tracker, three policies, their ensemble) and the NLU graph (18).
    assert probed["shapes"] == [6, 18]
    assert probed["orders_as_dask"] == [True, True]


def test_errors_are_rasas(probed):
    # An input naming a node is refused before anything runs; a node that fails raises what it raised under dask.
    assert probed["clash"] == [True, ["raised", "GraphRunError"]]
    assert probed["broken_input"] == [True, "raised"]


def test_installed_once(probed):
    assert probed["installed"] == [True, False, True]
