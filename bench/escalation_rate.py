"""How often routine customer messages would be offered a person (should be rare).

Routine messages are the bot's own NLU examples for routine intents (greetings, cover, documents,
payments, renewal, contact details, claim status, small talk), which the team wrote; complaints,
claims after a loss, disclosures and requests for a person are left out on purpose. Each message is
scored by the real emotion scorer and put through the escalation decision twice: alone (the
transcript command's per-message decision) and inside simulated five-message routine conversations
(to include the trend and loop triggers).

    .venv/bin/python bench/escalation_rate.py [--conversations 300] [--seed 7]
"""
from __future__ import annotations

import argparse
import random
import re
import sys
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from actions.emotion import get_scorer  # noqa: E402
from actions.escalation import Turn, decide_conversation, decide_message  # noqa: E402
from actions.escalation.settings import THRESHOLDS  # noqa: E402

ROUTINE_INTENTS = {"greet", "goodbye", "thank", "inform_name", "bot_challenge", "affirm", "deny",
                   "ask_coverage", "ask_documents", "ask_payment", "update_contact_details",
                   "ask_renewal", "ask_contact_options", "claim_status", "cancel_policy"}


def routine_messages() -> list[tuple[str, str]]:
    messages = []
    for path in sorted((ROOT / "data" / "nlu").glob("*.yml")):
        for item in yaml.safe_load(path.read_text()).get("nlu", []):
            if item.get("intent") in ROUTINE_INTENTS:
                for line in item["examples"].splitlines():
                    text = line.strip().removeprefix("- ").strip()
                    if text:
                        # Entity annotations [text](entity) back to plain text.
                        text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)
                        text = re.sub(r"\[([^\]]+)\]\{[^}]*\}", r"\1", text)
                        messages.append((item["intent"], text))
    return messages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    messages = routine_messages()
    scores = get_scorer().score_many([text for _, text in messages])
    turns = [Turn(text, intent, score) for (intent, text), score in zip(messages, scores)]

    single = [(turn, decide_message(turn, THRESHOLDS)) for turn in turns]
    escalated = [(turn, d) for turn, d in single if d]
    print(f"routine messages: {len(turns)}")
    print(f"single-message escalations: {len(escalated)} ({100 * len(escalated) / len(turns):.1f} %)")
    print("  by trigger:", dict(Counter(d.trigger for _, d in escalated)))
    for turn, decision in escalated[:15]:
        print(f"    [{decision.trigger}] ({turn.intent}) {turn.text[:90]}")

    rng = random.Random(args.seed)
    offered = Counter()
    for _ in range(args.conversations):
        conversation = rng.sample(turns, 5)
        for end in range(1, len(conversation) + 1):
            decision = decide_conversation(conversation[:end], THRESHOLDS)
            if decision:
                offered[decision.trigger] += 1
                break
    total = sum(offered.values())
    print(f"simulated 5-message routine conversations: {args.conversations}; "
          f"offered a person in {total} ({100 * total / args.conversations:.1f} %)")
    print("  by trigger:", dict(offered))


if __name__ == "__main__":
    main()
