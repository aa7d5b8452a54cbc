"""``python -m rasa_addons.serve run …``: Rasa's own command line, with two measured fixes for many customers.

Every argument is Rasa's (``rasa run --model … --port …``). NLU parsing moves off the event loop
(``rasa_addons/nonblocking.py``) and action responses are validated without re-checking Rasa's schema
each time (``rasa_addons/action_validation.py``); docs/benchmarks.md ("Load") has the figures.
"""
from __future__ import annotations

import sys

from rasa.__main__ import main as rasa_main

from rasa_addons import action_validation, nonblocking, settings


def main() -> None:
    nonblocking.install(settings.NLU_PARSE_THREADS)
    action_validation.install()
    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()
