"""CPU time of the dialogue policies per prediction: Rasa's own code against Heard's replacements (issue #18).

    .venv-rasa/bin/python bench/policy_time.py [--model models/heard.tar.gz] [--rounds 3]

The conversations of the test stories (tests/stories/*.yml) are replayed on the trained model as Rasa's
``rasa test`` replays them: one tracker per story, updated event by event, a prediction of the policies before
every action — the graph's policy part only, no NLU and no action server. Each round runs fresh processes one
after the other: Rasa's code, then ``rasa_addons/serve.py``'s replacements for the policies' hot paths added one
by one (dialogue states continued; memoization cuts without replays; rules found by the action they follow).
A customer's conversation goes through ``--chain`` stories one after the other (as a customer asks
several things); every conversation is replayed ``--passes`` times under new sender ids, as new customers. Reported:
CPU ms per prediction (median over rounds) and each mode's ratio to Rasa's within a round, so that a busy machine
moves both alike; the predicted actions must be the same in every process (a differing prediction is an error).
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


# What each process installs: Rasa's code, then Heard's replacements one by one, as rasa_addons/serve.py does.
MODES = {"rasa": [], "states": ["dialogue_states"], "states+cuts": ["dialogue_states", "memoization_cuts"],
         "heard": ["dialogue_states", "memoization_cuts", "rule_lookup"]}


def replay(model: str, installs: list, passes: int, chain: int) -> dict:
    logging.disable(logging.WARNING)
    import structlog

    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.INFO))
    from rasa.core.agent import Agent
    from rasa.core.test import _create_data_generator
    from rasa.shared.core.constants import ACTION_LISTEN_NAME
    from rasa.shared.core.events import ActionExecuted
    from rasa.shared.core.trackers import DialogueStateTracker

    from rasa_addons import dialogue_states, memoization_cuts, rule_lookup, settings

    if "dialogue_states" in installs:
        dialogue_states.install(3 * settings.DIALOGUE_STATE_CACHE_SIZE)
    if "memoization_cuts" in installs:
        memoization_cuts.install()
    if "rule_lookup" in installs:
        rule_lookup.install()
    agent = Agent.load(model)
    stories = []
    for path in sorted((ROOT / "tests" / "stories").glob("*.yml")):
        generator = _create_data_generator(str(path), agent, use_conversation_test_files=True)
        stories += generator.generate_story_trackers()
    customers = []
    for first in range(0, len(stories), chain):
        events = list(stories[first].events)
        for story in stories[first + 1:first + chain]:
            if not (isinstance(events[-1], ActionExecuted) and events[-1].action_name == ACTION_LISTEN_NAME):
                events.append(ActionExecuted(ACTION_LISTEN_NAME))
            events += list(story.events)[1:]
        customers.append(events)
    predicted, seconds, count = [], 0.0, 0
    for number in range(passes):
        for index, events in enumerate(customers):
            tracker = DialogueStateTracker.from_events(f"customer-{number}-{index}", events[:1], agent.domain.slots)
            for event in events[1:]:
                if isinstance(event, ActionExecuted):
                    started = time.process_time()
                    prediction = agent.processor._predict_next_with_tracker(tracker)
                    seconds += time.process_time() - started
                    count += 1
                    if number == 0:
                        predicted.append(agent.domain.action_names_or_texts[prediction.max_confidence_index])
                tracker.update(event)
    return {"predictions": count, "ms_per_prediction": 1000 * seconds / count, "predicted": predicted}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=str(ROOT / "models" / "heard.tar.gz"))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--passes", type=int, default=3)
    parser.add_argument("--chain", type=int, default=4, help="stories one customer goes through in one conversation")
    parser.add_argument("--run", choices=sorted(MODES), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        print(json.dumps(replay(args.model, MODES[args.run], args.passes, args.chain)))
        return
    milliseconds: dict = {mode: [] for mode in MODES}
    ratios: dict = {mode: [] for mode in MODES if mode != "rasa"}
    for _ in range(args.rounds):
        round_ = {}
        for mode in MODES:
            out = subprocess.run([sys.executable, __file__, "--model", args.model, "--passes", str(args.passes),
                                  "--chain", str(args.chain), "--run", mode],
                                 cwd=ROOT, capture_output=True, text=True, check=True,
                                 env={**os.environ, "PYTHONPATH": str(ROOT), "OPENBLAS_NUM_THREADS": "1"})
            round_[mode] = json.loads(out.stdout.strip().splitlines()[-1])
            milliseconds[mode].append(round_[mode]["ms_per_prediction"])
            if round_[mode]["predicted"] != round_["rasa"]["predicted"]:
                raise SystemExit(f"{mode} predicted other actions than Rasa's code")
        for mode in ratios:
            ratios[mode].append(round_[mode]["ms_per_prediction"] / round_["rasa"]["ms_per_prediction"])
    print(json.dumps({"predictions_per_process": round_["rasa"]["predictions"],
                      "ms_per_prediction": {mode: round(statistics.median(values), 3)
                                            for mode, values in milliseconds.items()},
                      "ratio_to_rasa": {mode: {"median": round(statistics.median(values), 3),
                                               "rounds": [round(value, 3) for value in values]}
                                        for mode, values in ratios.items()}}, indent=1))


if __name__ == "__main__":
    main()
