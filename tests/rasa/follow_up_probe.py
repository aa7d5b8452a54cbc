"""Run by tests/rasa/test_follow_ups.py in Rasa's own runtime (.venv-rasa): the knowledge retriever's follow-ups and
the understanding check, on a toy index and encoder.

    .venv-rasa/bin/python tests/rasa/follow_up_probe.py -> JSON on stdout: {case: parse data}
"""
from __future__ import annotations

import json

import numpy as np
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from actions.knowledge.matching import Index, RetrievalSettings
from rasa_addons.conversation_context import CONTEXT_KEY
from rasa_addons.knowledge_retrieval import KNOWLEDGE_KEY, RESCUED_KEY, KnowledgeRetriever
from rasa_addons.understanding import UnderstandingRules
from rasa_addons.understanding_check import CHECK_KEY, UnderstandingCheck

# One axis per topic; "partner" alone is too weak to find any entry.
AXES = {"ski": (0, 1.0), "abroad": (2, 1.0), "partner": (1, 0.3)}
QUESTIONS = {"travel-winter-sports": "Am I covered for skiing?", "motor-driving-abroad": "Can I drive abroad?",
             "motor-partner-abroad": "Can my partner drive abroad?"}


class ToyEncoder:
    def encode(self, texts):
        rows = []
        for text in texts:
            vector = np.array([0.0, 0.0, 0.0, 0.2])
            for word, (axis, weight) in AXES.items():
                if word in text.lower():
                    vector[axis] += weight
            rows.append(vector / np.linalg.norm(vector))
        return np.array(rows, dtype=np.float32)


def retriever() -> KnowledgeRetriever:
    found = KnowledgeRetriever.__new__(KnowledgeRetriever)
    found._settings = RetrievalSettings.from_file()
    matrix = np.array([[1, 0, 0, 0], [0, 0, 1, 0], [0, 0.7071, 0.7071, 0]], dtype=np.float32)
    found._index = Index(["travel-winter-sports", "motor-driving-abroad", "motor-partner-abroad"], matrix)
    found._encoder = ToyEncoder()
    found._questions = dict(QUESTIONS)
    return found


CASES = {
    "follow_up": ("and for my partner?", {CONTEXT_KEY: {"kb_answer_id": "motor-driving-abroad"}}, "out_of_scope"),
    "same_topic": ("and my partner?", {CONTEXT_KEY: {"kb_answer_id": "motor-partner-abroad"}}, "out_of_scope"),
    "no_context": ("and for my partner?", {}, "out_of_scope"),
    "not_a_follow_up": ("my partner is cross with me", {CONTEXT_KEY: {"kb_answer_id": "motor-driving-abroad"}},
                        "out_of_scope"),
    "understood_alone": ("what about skiing?", {CONTEXT_KEY: {"kb_answer_id": "motor-driving-abroad"}},
                         "out_of_scope"),
    "committing_guess": ("and for my partner?", {CONTEXT_KEY: {"kb_answer_id": "motor-driving-abroad"}},
                         "file_claim"),
    "unknown_entry": ("and for my partner?", {CONTEXT_KEY: {"kb_answer_id": "no-such-entry"}}, "out_of_scope"),
    "malformed_context": ("and for my partner?", {CONTEXT_KEY: "junk"}, "out_of_scope"),
    "no_metadata": ("and for my partner?", None, "out_of_scope"),
    "metadata_not_a_mapping": ("and for my partner?", ["junk"], "out_of_scope"),
    "vague_for_us": ("I need to get something sorted with my car", {}, "out_of_scope"),
    "off_topic": ("can you recommend a takeaway", {}, "out_of_scope"),
}


def main() -> dict:
    knowledge, check = retriever(), UnderstandingCheck(UnderstandingRules.load())
    results = {}
    for case, (text, metadata, intent) in CASES.items():
        message = Message(data={TEXT: text, "metadata": metadata, INTENT: {"name": intent, "confidence": 0.6}})
        check.process(knowledge.process([message]))
        results[case] = {"intent": message.get(INTENT)["name"], "knowledge": message.get(KNOWLEDGE_KEY),
                         "rescued_from": message.get(RESCUED_KEY), "check": message.get(CHECK_KEY)}
    # A knowledge match too weak to overrule an off-topic reading (retrieval.yml rescue_min_cosine) counts as no
    # answer for the understanding check: a message meant for us is asked about (session 6).
    for case, flagged in (("weak_match_flagged", True), ("weak_match_unflagged", False)):
        found = {"matches": [{"id": "motor-total-loss", "score": 0.9, "dense": 0.68, "lexical": 0.4}],
                 "outcome": "answer", **({"below_rescue_floor": True} if flagged else {})}
        message = Message(data={TEXT: "the garage says the car insurance thing is a write off",
                                INTENT: {"name": "out_of_scope", "confidence": 0.9}, KNOWLEDGE_KEY: found})
        check.process([message])
        results[case] = {"intent": message.get(INTENT)["name"], "check": message.get(CHECK_KEY)}
    return results


def hook() -> dict:
    """The parse hook (rasa_addons/conversation_context.install) in front of a stand-in parser that returns the
    metadata the NLU would see."""
    import asyncio

    from rasa.core.channels.channel import UserMessage
    from rasa.core.processor import MessageProcessor
    from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    from rasa_addons import conversation_context

    async def stand_in(self, message, tracker=None, only_output_properties=True):
        return {"metadata": message.metadata}

    MessageProcessor.parse_message = stand_in
    conversation_context.install()
    answered = DialogueStateTracker.from_events("s", [
        UserUttered("Am I covered to drive in Europe?"), ActionExecuted("action_answer_question"),
        SlotSet("kb_answer_id", "motor-driving-abroad"), BotUttered("Yes…"), ActionExecuted("action_listen")])
    greeted = DialogueStateTracker.from_events("s", [UserUttered("hi"), ActionExecuted("utter_greet"),
                                                     ActionExecuted("action_listen")])

    def seen(text, metadata, tracker):
        return asyncio.run(MessageProcessor.parse_message(None, UserMessage(text, metadata=metadata), tracker))

    forged = {CONTEXT_KEY: {"kb_answer_id": "forged"}, "other": 1}
    return {"after_answer": seen("and my partner?", None, answered), "forged_after_answer": seen("x", forged, answered),
            "forged_after_greeting": seen("x", forged, greeted), "no_tracker": seen("x", None, None),
            "installed_twice": conversation_context.install()}


if __name__ == "__main__":
    print(json.dumps({**main(), "hook": hook()}))
