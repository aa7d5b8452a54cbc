"""Runs in Rasa's runtime: a claim asked about as a question, through the trained model.

    .venv-rasa/bin/python tests/rasa/claim_offer_probe.py models/heard.tar.gz -> JSON

For each text: the intent the model ends with and the one the knowledge retriever took it from. Then the dialogue
after the claim offered under an answer (action_answer_question followed by utter_offer_claim_after_answer): what
the policies do next for "yes" and for "no".
"""
from __future__ import annotations

import asyncio
import json
import logging
import sys

from rasa.core.agent import Agent
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

TEXTS = ["the freezer broke down while we were away and all the food is ruined, can I claim for it?",
         "our shed was broken into last night and they took the mower",
         "I want to make a claim, the freezer broke down while we were away and all the food is ruined. Is it covered?",
         "My car got keyed last night, can I claim for it?"]


def after_offer(agent: Agent, intent: str) -> str:
    events = [ActionExecuted("action_listen"),
              UserUttered("someone keyed my car, is that covered?", {"name": "ask_question", "confidence": 1.0}),
              ActionExecuted("action_answer_question"), SlotSet("kb_answer_id", "motor-vandalism"),
              ActionExecuted("utter_offer_claim_after_answer"), ActionExecuted("action_listen"),
              UserUttered(intent, {"name": intent, "confidence": 1.0})]
    tracker = DialogueStateTracker.from_events("probe", events, agent.domain.slots)
    action, _ = agent.processor.predict_next_with_tracker_if_should(tracker)
    return action.name()


async def main(model: str) -> dict:
    agent = Agent.load(model)
    parsed = []
    for text in TEXTS:
        data = await agent.parse_message(text)
        parsed.append({"text": text, "intent": data["intent"]["name"],
                       "rescued_from": data.get("intent_rescued_from"),
                       "entry": ((data.get("knowledge") or {}).get("matches") or [{}])[0].get("id")})
    return {"parsed": parsed, "yes": after_offer(agent, "affirm"), "no": after_offer(agent, "deny")}


if __name__ == "__main__":
    logging.disable(logging.WARNING)
    print(json.dumps(asyncio.run(main(sys.argv[1]))))
