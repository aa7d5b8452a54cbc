"""Runs in Rasa's runtime: rasa_addons/memoization_cuts.py asks memory Rasa's questions, in Rasa's order.

    .venv-rasa/bin/python tests/rasa/memoization_cuts_probe.py models/heard.tar.gz [conversations]

The trained model's AugmentedMemoizationPolicy is given random conversations over Heard's domain (the turns of
tests/rasa/dialogue_states_probe.py: slots, forms, hidden rule turns, rewinds, restarts, new sessions), read back
from JSON at every turn as the tracker store gives them. At every turn Rasa's own truncation and this one run on
the same tracker, and every list of states each of them asks memory about is recorded: the two records and the
answers must be equal. Memory answers as the model does, and, in a second pass, also "yes" to one state list in
five chosen by its content, so that the early return after a match is compared too. Rasa's calls use Rasa's own
dialogue states; this module's calls use the installed dialogue-state cache, as the server does.
"""
from __future__ import annotations

import json
import logging
import random
import sys
import time

import structlog
from rasa.core.agent import Agent
from rasa.core.constants import POLICY_MAX_HISTORY
from rasa.core.policies.memoization import AugmentedMemoizationPolicy
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SessionStarted

from rasa_addons import dialogue_states, memoization_cuts
from tests.rasa.dialogue_states_probe import RULE_ONLY, read_back, turn

RASA_TRUNCATION = AugmentedMemoizationPolicy._recall_using_truncation
RASA_STATES = Domain.states_for_tracker_history


def memoization_policy(agent: Agent) -> AugmentedMemoizationPolicy:
    for node in agent.processor.graph_runner._instantiated_nodes.values():
        if isinstance(getattr(node, "_component", None), AugmentedMemoizationPolicy):
            return node._component
    raise SystemExit("no AugmentedMemoizationPolicy in the model")


class Memory:
    """Stands in for the policy's ``_recall_states``: records each question, answers as the model does (or, when
    ``eager``, also yes to one content in five)."""

    def __init__(self, policy: AugmentedMemoizationPolicy, eager: bool) -> None:
        self.recall = type(policy)._recall_states.__get__(policy)
        self.eager = eager
        self.asked: list = []

    def __call__(self, states: list):
        text = json.dumps(states, sort_keys=True, default=list)
        self.asked.append(text)
        found = self.recall(states)
        if found is None and self.eager and sum(map(ord, text)) % 5 == 0:
            return "action_from_memory"
        return found


def slot_values(tracker) -> dict:
    return {name: (json.dumps(slot.value, sort_keys=True, default=str), slot.has_been_set)
            for name, slot in tracker.slots.items()}


def ask(policy, run, tracker, domain, old_states, rule_only, eager: bool, states_fn) -> tuple:
    memory = Memory(policy, eager)
    policy._recall_states = memory
    Domain.states_for_tracker_history = states_fn
    try:
        started = time.perf_counter()
        answer = run(policy, old_states, tracker, domain, rule_only)
        return answer, memory.asked, time.perf_counter() - started
    finally:
        del policy._recall_states
        Domain.states_for_tracker_history = RASA_STATES


def main() -> None:
    logging.disable(logging.WARNING)
    # Rasa's server logs at INFO: its debug lines are built and dropped, not printed.
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.INFO))
    model = sys.argv[1]
    conversations = int(sys.argv[2]) if len(sys.argv) > 2 else 60
    agent = Agent.load(model)
    policy, domain = memoization_policy(agent), agent.processor.domain
    dialogue_states.install(64)
    cached_states = Domain.states_for_tracker_history
    Domain.states_for_tracker_history = RASA_STATES
    compared = differ = matched = asked = slots_changed = slots_set = 0
    rasa_seconds = ours_seconds = 0.0
    clock = [2_000_000.0]
    for seed in range(conversations):
        rng = random.Random(seed)
        # Every history length the policy may be trained with, and none.
        policy.config[POLICY_MAX_HISTORY] = [4, 1, 2, None][seed % 4]
        sender = f"conversation-{seed % 5}"
        events: list = [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")]
        for _ in range(rng.randint(3, 16)):
            events += turn(rng, clock)
            tracker = read_back(sender, events)
            rule_only = rng.choice([None, RULE_ONLY])
            old_states = policy._prediction_states(tracker, domain, rule_only_data=rule_only)
            for eager in (False, True):
                rasa = ask(policy, RASA_TRUNCATION, tracker, domain, old_states, rule_only, eager, RASA_STATES)
                slots_before = slot_values(tracker)
                ours = ask(policy, memoization_cuts.recall_using_truncation, tracker, domain, old_states, rule_only,
                           eager, cached_states)
                # Cuts share the conversation's slot objects: nothing may change them.
                slots_changed += slot_values(tracker) != slots_before
                slots_set += sum(was_set for _, was_set in slots_before.values())
                compared += 1
                differ += rasa[:2] != ours[:2]
                matched += rasa[0] is not None
                asked += len(rasa[1])
                rasa_seconds += rasa[2]
                ours_seconds += ours[2]
    policy.config[POLICY_MAX_HISTORY] = 4
    print(json.dumps({"compared": compared, "differ": differ, "matched": matched, "asked": asked,
                      "rasa_ms": round(1000 * rasa_seconds, 1), "ours_ms": round(1000 * ours_seconds, 1),
                      "continued": cached_states.cut_cache.continued, "walked": cached_states.cut_cache.walked,
                      "capacities": [cached_states.cache.capacity, cached_states.cut_cache.capacity],
                      "conversation_walks": cached_states.cache.walked + cached_states.cache.continued,
                      "installed": [memoization_cuts.install(), memoization_cuts.install()],
                      "slots_changed": slots_changed, "slots_set": slots_set,
                      "uses_ours": AugmentedMemoizationPolicy._recall_using_truncation is not RASA_TRUNCATION}))


if __name__ == "__main__":
    main()
