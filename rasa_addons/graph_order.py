"""Rasa's graphs run in the order dask chose for them, without dask scheduling every run again.

Rasa 3.6 runs its NLU graph once per message and its policy graph once per prediction (three or four a turn)
with ``DaskGraphRunner.run``: each run trims the schema to the targets' ancestors, builds a dask graph, and has
``dask.get`` order it (``dask.order``), set up its scheduling state and pop its ready queue, only to call the
same dozen nodes one after the other in one thread. Under the 50-customer load that bookkeeping was ~9 % of
the time Rasa held the GIL (py-spy, docs/benchmarks.md "Session 7") — more than any single NLU component.

The order is a function of the graph's shape alone (targets, input names, the schema's edges), never of the
values, so each runner lets dask run a given shape once, records the order in which dask called the nodes,
and from then on calls them in that order itself, passing each node what dask passed it: the ``(name,
output)`` pair of each node it needs, an input as ``(name, value)``, and the bare name of anything the graph
does not have (the node warns, as before). Exceptions pass through as they did from ``dask.get`` (a
``RuntimeError`` becomes ``GraphRunError``). tests/rasa/test_graph_order.py compares parses and predictions
of both runners on the trained model, and the recorded orders with dask's.
"""
from __future__ import annotations

import logging
from typing import Any, Callable, Dict, List, Optional, Text, Tuple

import dask
from rasa.engine.exceptions import GraphRunError
from rasa.engine.runner.dask import DaskGraphRunner

logger = logging.getLogger("rasa.engine.runner.dask")  # Rasa's own debug line, under Rasa's logger

_INSTALLED_MARK = "_heard_graph_order"
_ORDERS = "_heard_orders"

# For each node in the order: its name, the node, and the keys of what it needs (dask's task arguments).
Plan = List[Tuple[Text, Callable[..., Any], Tuple[Text, ...]]]


class _Recorder:
    """Stands in for a node in the one run dask schedules, noting when dask calls it."""

    def __init__(self, name: Text, node: Callable[..., Any], called: List[Text]) -> None:
        self._name, self._node, self._called = name, node, called

    def __call__(self, *inputs: Any) -> Any:
        self._called.append(self._name)
        return self._node(*inputs)


def _scheduled_by_dask(runner: DaskGraphRunner, run_graph: Dict[Text, Any], run_targets: List[Text],
                       nodes: Dict[Text, Tuple]) -> Tuple[Dict[Text, Any], List[Text]]:
    called: List[Text] = []
    recorded = dict(run_graph)
    for name, (node, *needs) in nodes.items():
        recorded[name] = (_Recorder(name, node, called), *needs)
    return dict(dask.get(recorded, run_targets)), called


def _run_plan(plan: Plan, inputs: Dict[Text, Any], run_targets: List[Text]) -> Dict[Text, Any]:
    results: Dict[Text, Any] = {name: (name, value) for name, value in inputs.items()}
    for name, node, needs in plan:
        results[name] = node(*(results.get(key, key) for key in needs))
    return dict(results[target] for target in run_targets)


def run(self: DaskGraphRunner, inputs: Optional[Dict[Text, Any]] = None,
        targets: Optional[List[Text]] = None) -> Dict[Text, Any]:
    """``DaskGraphRunner.run``: the same results, from the same node calls in the same order."""
    run_targets = targets if targets else self._graph_schema.target_names
    shape = (tuple(run_targets), tuple(inputs or ()))
    orders: Dict[Tuple, Plan] = self.__dict__.setdefault(_ORDERS, {})
    plan = orders.get(shape)
    if plan is None:
        minimal_schema = self._graph_schema.minimal_graph_schema(run_targets)
        run_graph = self._build_dask_graph(minimal_schema)
        nodes = {name: run_graph[name] for name in minimal_schema.nodes}
        if inputs:
            self._add_inputs_to_graph(inputs, run_graph)
    if logger.isEnabledFor(logging.DEBUG):
        logger.debug(f"Running graph with inputs: {inputs}, targets: {targets} and {self._execution_context}.")
    try:
        if plan is not None:
            # Rasa refuses an input whose value names a node; the graph dask had is not built, its keys are
            self._add_inputs_to_graph(inputs, dict.fromkeys(name for name, _, _ in plan))
            return _run_plan(plan, inputs or {}, run_targets)
        results, called = _scheduled_by_dask(self, run_graph, run_targets, nodes)
    except RuntimeError as e:
        raise GraphRunError("Error running runner.") from e
    if sorted(called) == sorted(nodes):  # every node ran once: the order is complete
        orders[shape] = [(name, nodes[name][0], tuple(nodes[name][1:])) for name in called]
    return results


def install() -> bool:
    """Makes every ``DaskGraphRunner`` reuse the order dask chose for a graph's shape; False if already done."""
    if getattr(DaskGraphRunner.run, _INSTALLED_MARK, False):
        return False
    setattr(run, _INSTALLED_MARK, True)
    DaskGraphRunner.run = run  # type: ignore[method-assign]
    return True
