"""``python -m rasa_addons.serve run …``: Rasa's own command line, with measured fixes for many customers.

Every argument is Rasa's (``rasa run --model … --port …``). NLU parsing and the SQL tracker store's
reads and writes move off the event loop (``rasa_addons/nonblocking.py``); action responses are
validated without re-checking Rasa's schema each time (``rasa_addons/action_validation.py``) and sent on
kept connections (``rasa_addons/kept_connections.py``); event classes are looked up once per type name and
slots copied directly (``rasa_addons/hot_paths.py``); a conversation's dialogue states are continued from
the last turn instead of rebuilt from its first event (``rasa_addons/dialogue_states.py``), the memoization
policy's cuts are made without replaying events (``rasa_addons/memoization_cuts.py``) and the rules are
found by the action they follow (``rasa_addons/rule_lookup.py``); the intent classifier's input is built in one step
(``rasa_addons/classifier_input.py``) and the graphs run in the order dask chose once (``rasa_addons/graph_order.py``);
the loaded model
is frozen out of the garbage collector's walks (``rasa_addons/settled_heap.py``);
typed ``/intent{…}`` commands nobody offered are read as text (``rasa_addons/sealed_messages.py``); a
follow-up question is read with the knowledge-base answer just given (``rasa_addons/conversation_context.py``);
and the chat channels take sender ids from signed sessions or namespace them (``rasa_addons/channels.py``).
Replicas sharing conversations never lose a turn: the tracker store writes every event a turn added and
survives a dropped connection (``rasa_addons/tracker_writes.py``), and a conversation's lock is a lease held
while its turn runs (``rasa_addons/lock_lease.py``). A paused conversation's message that could not be relayed to
the agent because the action server was away is relayed when it is back (``rasa_addons/relay_retry.py``).
docs/benchmarks.md ("Many customers at once") has the figures.
"""
from __future__ import annotations

import sys

from rasa.__main__ import main as rasa_main

from rasa_addons import (action_validation, channels, classifier_input, conversation_context, dialogue_states,
                         graph_order, hot_paths, kept_connections, lock_lease, memoization_cuts, nonblocking, redaction,
                         relay_retry, rule_lookup, sealed_messages, settings, settled_heap, tracker_writes)


def main() -> None:
    redaction.install()  # before Rasa configures logging: every record is redacted as it is made
    nonblocking.install(settings.NLU_PARSE_THREADS)
    tracker_writes.install()  # before the offload, which runs these writes in its threads
    nonblocking.offload_tracker_store(settings.NLU_PARSE_THREADS)
    lock_lease.install()
    relay_retry.install()
    action_validation.install()
    kept_connections.install()  # calls to the action server reuse their connections
    hot_paths.install()  # an event's class found once per type name; slots copied directly
    if settings.DIALOGUE_STATE_CACHE_SIZE:
        dialogue_states.install(3 * settings.DIALOGUE_STATE_CACHE_SIZE)  # states continued, not rebuilt
    memoization_cuts.install()  # cuts hold their events unapplied; their states continue in the cache above
    rule_lookup.install()  # only the rules that can follow the previous action are tested
    classifier_input.install()  # the classifier's input rows built in one step, not joined block by block
    graph_order.install()  # each graph shape ordered by dask once, then run in that order without dask
    settled_heap.install()  # after the model loads, its objects are out of the garbage collector's way
    sealed_messages.install()  # after nonblocking: it wraps the off-loop parser
    conversation_context.install()  # outermost: the answer just given, for follow-up questions
    channels.install()  # sender ids namespaced per channel, bound to a signed session on the website
    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()
