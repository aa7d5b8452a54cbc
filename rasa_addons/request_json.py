"""Bodies of Rasa's calls to the action server encoded by ujson: the same JSON, a third of the time.

Every call to the action server carries the whole conversation (``tracker.current_state(ALL)``: every event with
its parse data), and Heard makes two such calls a turn (``action_assess_message`` on every message, then the
reply's action). At the 20th turn the body is ~80 kB; aiohttp encodes it with the standard ``json.dumps``
(1.6 ms) on Rasa's event loop. ``ujson`` (a dependency of Rasa and Sanic already) encodes the same values in
0.6 ms: the same strings (non-ASCII escaped, as ``json`` does), numbers that read back to the same floats,
NaN and Infinity written as ``json`` writes them. Only the spacing differs, which no JSON reader sees.
Whatever ujson refuses is encoded by ``json.dumps``, which then succeeds or raises as it did for Rasa.

Where the two differ: a dict key that is not a string is written by ujson with ``str()`` (an IntEnum key as
"I.A", a NaN key as "nan", a tuple key as "(1, 2)", where ``json`` writes "1", "NaN" or refuses), and an object
with a ``__json__`` method is written raw. A body holds only what came from JSON (events read from the tracker
store, the action server's answers) or Rasa's and Heard's components' parse data, whose keys are strings.
tests/rasa/test_request_json.py compares what the action server reads on random conversations over Heard's
domain and on odd values.
"""
from __future__ import annotations

import json
from typing import Any

import ujson


def encode(value: Any) -> str:
    """``json.dumps(value)`` as a JSON reader sees it."""
    try:
        return ujson.dumps(value, ensure_ascii=True, escape_forward_slashes=False)
    except (OverflowError, TypeError, ValueError):
        return json.dumps(value)
