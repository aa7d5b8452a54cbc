"""Runs in Rasa's runtime: after Rasa's start-up model load, the heap is frozen and the thresholds set.

    .venv-rasa/bin/python tests/rasa/settled_heap_probe.py
"""
from __future__ import annotations

import asyncio
import gc
import json

import rasa.core.run as rasa_run

from rasa_addons import settled_heap


async def _model_load(*args, **kwargs):  # stands in for loading a model: long-lived objects, then the agent
    _model_load.objects = [{"weight": i} for i in range(5000)]
    return "agent"


def main() -> dict:
    rasa_run.load_agent_on_start = _model_load
    before = {"frozen": gc.get_freeze_count(), "thresholds": gc.get_threshold()}
    installed = [settled_heap.install(), settled_heap.install()]
    agent = asyncio.run(rasa_run.load_agent_on_start("model.tar.gz", None, None, app=None, loop=None))
    return {"before": before, "installed": installed, "agent": agent, "frozen": gc.get_freeze_count(),
            "thresholds": list(gc.get_threshold())}


if __name__ == "__main__":
    print(json.dumps(main()))
