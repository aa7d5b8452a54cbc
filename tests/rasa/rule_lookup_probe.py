"""Runs in Rasa's runtime: rasa_addons/rule_lookup.py finds the rules Rasa finds, on Heard's trained model.

    .venv-rasa/bin/python tests/rasa/rule_lookup_probe.py models/heard.tar.gz [conversations]

Dialogue states come from conversations over Heard's domain: each state's previous action, intent, entities,
slots and form drawn at random (previous actions the rules name, most of the time, so that rules apply), some
states without a previous action (a conversation's start) or with an action's text instead of its name.
For both of the policy's tables the set found with the index is compared with Rasa's own.
"""
from __future__ import annotations

import json
import logging
import random
import sys

from rasa.core.agent import Agent
from rasa.core.policies.rule_policy import RULES, RULES_FOR_LOOP_UNHAPPY_PATH, RulePolicy

from rasa_addons import rule_lookup

RASA = RulePolicy._get_possible_keys  # Rasa's own, kept before install


def rule_policy(agent: Agent) -> RulePolicy:
    for node in agent.processor.graph_runner._instantiated_nodes.values():
        if isinstance(getattr(node, "_component", None), RulePolicy):
            return node._component
    raise SystemExit("no RulePolicy in the model")


def rule_states(policy: RulePolicy) -> list:
    return [state for table in (RULES, RULES_FOR_LOOP_UNHAPPY_PATH) for key in policy.lookup[table]
            for state in json.loads(key)]


def random_state(rng: random.Random, seen: list, domain) -> dict:
    if rng.random() < 0.6:  # a state a rule was learnt from, some of it changed
        state = json.loads(json.dumps(rng.choice(seen)))
        for sub_state in state.values():
            for key, value in list(sub_state.items()):
                if isinstance(value, list):
                    sub_state[key] = tuple(value)
    else:
        state = {"user": {"intent": rng.choice(domain.intents)}}
        if rng.random() < 0.3 and domain.entities:
            state["user"]["entities"] = tuple(rng.sample(domain.entities, 1))
    kind = rng.random()
    if kind < 0.1:
        state.pop("prev_action", None)
    elif kind < 0.15:
        state["prev_action"] = {"action_text": "some text"}
    elif kind < 0.6:
        state["prev_action"] = {"action_name": rng.choice(domain.action_names_or_texts)}
    if rng.random() < 0.2 and domain.form_names:
        state["active_loop"] = {"name": rng.choice(list(domain.form_names))}
    if rng.random() < 0.2:
        state.pop("user", None)
    return {kind: sub_state for kind, sub_state in state.items() if sub_state}


def main() -> None:
    logging.disable(logging.WARNING)
    model = sys.argv[1]
    conversations = int(sys.argv[2]) if len(sys.argv) > 2 else 300
    agent = Agent.load(model)
    policy = rule_policy(agent)
    domain = agent.processor.domain
    seen = rule_states(policy)
    rng = random.Random(18)
    compared = differ = found = 0
    for _ in range(conversations):
        states = [random_state(rng, seen, domain) for _ in range(rng.randint(0, 8))]
        for end in range(len(states) + 1):
            for table in (RULES, RULES_FOR_LOOP_UNHAPPY_PATH):
                rasa = RASA(policy, policy.lookup[table], states[:end])
                ours = rule_lookup.possible_keys(policy, policy.lookup[table], states[:end])
                compared += 1
                differ += ours != rasa
                found += bool(rasa) and bool(end)
    by_action, unnamed = rule_lookup.index(policy.lookup[RULES])
    installed = [rule_lookup.install(), rule_lookup.install()]
    print(json.dumps({"compared": compared, "differ": differ, "found_some": found, "rules": len(policy.lookup[RULES]),
                      "indexed": sum(len(any_intent) + sum(map(len, by_intent.values()))
                                     for by_intent, any_intent in by_action.values()),
                      "by_intent": sum(sum(map(len, by_intent.values())) for by_intent, _ in by_action.values()),
                      "unnamed": len(unnamed),
                      "same_index": rule_lookup.index(policy.lookup[RULES])[0] is by_action,
                      "installed": installed, "uses_index": RulePolicy._get_possible_keys is not RASA}))


if __name__ == "__main__":
    main()
