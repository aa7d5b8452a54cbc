"""The loaded model's objects are moved out of the garbage collector's way once Rasa has loaded it.

A Rasa process holds about half a million long-lived objects after loading Heard's model (the domain, the
featurizers' vocabularies, the policies' memorised states). Python's collector walks all of them at every full
collection, and under load collections come often: each turn makes thousands of short-lived objects (events,
dialogue states, parse data). While the collector runs, no conversation of the process moves.

``settle()`` runs once after the start-up model load: one full collection, then ``gc.freeze()`` puts what is
left in a permanent generation the collector no longer walks, and the young generation is collected every
``GC_THRESHOLDS[0]`` allocations instead of Python's 700, the older ones less often; a turn's garbage is still
collected within the turn or the next few. Measured with bench/load.py (docs/benchmarks.md, "Many customers at
once"): Rasa CPU per turn and p95 both down by about a tenth.
"""
from __future__ import annotations

import gc
import logging
from typing import Any

import rasa.core.run as rasa_run

logger = logging.getLogger(__name__)

GC_THRESHOLDS = (20000, 20, 20)
_INSTALLED_MARK = "_heard_settled_heap"


def settle() -> int:
    """Collects once, freezes what is left and sets the thresholds; returns how many objects are frozen."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
    return gc.get_freeze_count()


def install() -> bool:
    """Settles the heap after Rasa's start-up model load; False when already installed."""
    if getattr(rasa_run.load_agent_on_start, _INSTALLED_MARK, False):
        return False
    load = rasa_run.load_agent_on_start

    async def load_agent_on_start(*args: Any, **kwargs: Any) -> Any:
        agent = await load(*args, **kwargs)
        logger.info("model loaded: %d objects moved out of the garbage collector's way", settle())
        return agent

    setattr(load_agent_on_start, _INSTALLED_MARK, True)
    rasa_run.load_agent_on_start = load_agent_on_start
    return True
