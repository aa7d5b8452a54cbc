"""``python -m rasa_addons.serve run …``: Rasa's own command line, with measured fixes for many customers.

Every argument is Rasa's (``rasa run --model … --port …``). NLU parsing and the SQL tracker store's
reads and writes move off the event loop (``rasa_addons/nonblocking.py``), and action responses are
validated without re-checking Rasa's schema each time (``rasa_addons/action_validation.py``), and
typed ``/intent{…}`` commands nobody offered are read as text (``rasa_addons/sealed_messages.py``), and
the chat channels take sender ids from signed sessions or namespace them (``rasa_addons/channels.py``).
docs/benchmarks.md ("Many customers at once") has the figures.
"""
from __future__ import annotations

import sys

from rasa.__main__ import main as rasa_main

from rasa_addons import action_validation, channels, nonblocking, redaction, sealed_messages, settings


def main() -> None:
    redaction.install()  # before Rasa configures logging: every record is redacted as it is made
    nonblocking.install(settings.NLU_PARSE_THREADS)
    nonblocking.offload_tracker_store(settings.NLU_PARSE_THREADS)
    action_validation.install()
    sealed_messages.install()  # after nonblocking: it wraps the off-loop parser
    channels.install()  # sender ids namespaced per channel, bound to a signed session on the website
    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()
