"""Runs in Rasa's runtime: rasa_addons/graph_order.py runs Rasa's graphs as dask does, on the trained model.

    .venv-rasa/bin/python tests/rasa/graph_order_probe.py models/heard.tar.gz [conversations]

The policy graph predicts on random conversations over Heard's domain (read back from JSON at every turn as the
tracker store gives them) and the NLU graph parses Heard's NLU examples, each first with Rasa's runner (dask
schedules every run) and then with the recorded order; the predictions and parses are compared. Each recorded
order is compared with the order dask calls the nodes in on another run, and errors with Rasa's.
"""
from __future__ import annotations

import asyncio
import json
import logging
import os
import random
import sys

os.environ.setdefault("EMOTION_SCORER_URL", "http://127.0.0.1:9/score")  # before the settings load: no scorer

import structlog  # noqa: E402
from rasa.core.agent import Agent  # noqa: E402
from rasa.core.channels.channel import UserMessage  # noqa: E402
from rasa.engine.exceptions import GraphRunError  # noqa: E402
from rasa.engine.runner.dask import DaskGraphRunner  # noqa: E402
from rasa.shared.core.events import ActionExecuted, SessionStarted  # noqa: E402

from rasa_addons import graph_order  # noqa: E402
from tests.rasa.classifier_input_probe import texts  # noqa: E402
from tests.rasa.dialogue_states_probe import read_back, turn  # noqa: E402

RASA = DaskGraphRunner.run  # Rasa's own, kept before install


def outcome(call) -> tuple:
    try:
        return "ok", call()
    except Exception as error:  # noqa: BLE001 - compared, whatever it is
        cause = error.__cause__
        return "raised", type(error).__name__, str(error), type(cause).__name__ if cause else None


def both(call) -> tuple:
    DaskGraphRunner.run = RASA
    rasa = outcome(call)
    DaskGraphRunner.run = graph_order.run
    return rasa, outcome(call)


def main() -> None:
    logging.disable(logging.WARNING)
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.INFO))
    model = sys.argv[1]
    conversations = int(sys.argv[2]) if len(sys.argv) > 2 else 40
    agent = Agent.load(model)
    processor, runner = agent.processor, agent.processor.graph_runner
    counts = {"predictions": 0, "predictions_differ": 0, "parses": 0, "parses_differ": 0}
    clock = [3_000_000.0]
    for seed in range(conversations):
        rng = random.Random(seed)
        events: list = [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")]
        for _ in range(rng.randint(2, 14)):
            events += turn(rng, clock)
            tracker = read_back(f"conversation-{seed}", events)
            rasa, ours = both(lambda: processor._predict_next_with_tracker(tracker))
            counts["predictions"] += 1
            counts["predictions_differ"] += rasa != ours
    for text in texts(300)[2:]:  # the two empty messages make Rasa's own classifier raise
        rasa, ours = both(lambda: asyncio.run(agent.parse_message(text)))
        counts["parses"] += 1
        counts["parses_differ"] += rasa != ours
    orders = runner.__dict__[graph_order._ORDERS]
    counts["shapes"] = sorted(len(plan) for plan in orders.values())
    redone = []
    for (targets, input_names), plan in orders.items():
        tracker = read_back("again", [ActionExecuted("action_session_start"), SessionStarted(),
                                      ActionExecuted("action_listen")] + turn(random.Random(1), clock))
        inputs = {name: [UserMessage("when is my renewal due?")] if name == "__message__" else tracker
                  for name in input_names}
        schema = runner._graph_schema.minimal_graph_schema(list(targets))
        graph = runner._build_dask_graph(schema)
        nodes = {name: graph[name] for name in schema.nodes}
        runner._add_inputs_to_graph(inputs, graph)
        _, called = graph_order._scheduled_by_dask(runner, graph, list(targets), nodes)
        redone.append(called == [name for name, _, _ in plan])
    counts["orders_as_dask"] = redone
    core_target = processor.model_metadata.core_target
    clash = both(lambda: runner.run(inputs={"__tracker__": core_target}, targets=[core_target]))
    counts["clash"] = [clash[0] == clash[1], clash[1][:2]]
    broken = both(lambda: runner.run(inputs={"__tracker__": None}, targets=[core_target]))
    counts["broken_input"] = [broken[0] == broken[1], broken[1][0]]
    DaskGraphRunner.run = RASA
    counts["installed"] = [graph_order.install(), graph_order.install(), DaskGraphRunner.run is graph_order.run]
    print(json.dumps(counts))


if __name__ == "__main__":
    main()
