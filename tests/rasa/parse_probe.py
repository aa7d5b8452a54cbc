"""Run by tests/rasa/test_sentence_features.py in Rasa's runtime: parse texts with a trained model.

    .venv-rasa/bin/python tests/rasa/parse_probe.py MODEL TEXT... -> JSON list of {text, intent, confidence}
"""
from __future__ import annotations

import asyncio
import json
import logging
import sys

from rasa.core.agent import Agent


async def parse(model: str, texts: list[str]) -> list[dict]:
    agent = Agent.load(model)
    results = []
    for text in texts:
        intent = (await agent.parse_message(text))["intent"]
        results.append({"text": text, "intent": intent["name"], "confidence": round(intent["confidence"], 3)})
    return results


if __name__ == "__main__":
    logging.disable(logging.WARNING)
    print(json.dumps(asyncio.run(parse(sys.argv[1], sys.argv[2:]))))
