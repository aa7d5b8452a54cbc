"""``python -m rasa_addons.serve run …``: Rasa's own command line, with NLU parsing moved off the event loop.

Every argument is Rasa's (``rasa run --model … --port …``); see ``rasa_addons/nonblocking.py`` for why.
"""
from __future__ import annotations

import sys

from rasa.__main__ import main as rasa_main

from rasa_addons import nonblocking, settings


def main() -> None:
    nonblocking.install(settings.NLU_PARSE_THREADS)
    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()
