"""action_answer_question: a general insurance question answered from the vetted knowledge base.

The retriever in Rasa (``rasa_addons/knowledge_retrieval.py``) has already ranked the entries for this
message (``knowledge`` in the parse data); this action applies the same rule (``decide``, or the entry the retriever
answered by a clear lead: ``decision_from_parse``) and answers with
an opener for the question's kind and the customer's tone, the answer and its source, asks which of two
close entries is meant, or says honestly that it has no checked answer and offers a person. A question the
classifier read as a claim ("my case came off the carousel ripped, can I claim?") is answered, then the claim is
offered (``offer_claim_after`` in knowledge/retrieval.yml).
"""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.knowledge import content
from actions.knowledge.matching import Decision, Match, RetrievalSettings, decision_from_parse, personal_action
from actions.knowledge.wording import Frames, answer_text

logger = logging.getLogger(__name__)

KNOWLEDGE = content.load()
SETTINGS = RetrievalSettings.from_file()
FRAMES = Frames.from_file()
ANSWER_SLOT = "kb_answer_id"
# Set by the retriever in Rasa (rasa_addons/knowledge_retrieval.py) when it took the message from another intent.
RESCUED_FROM = "intent_rescued_from"
# Asks whether to start a claim, with buttons; "yes" starts it (data/rules/questions.yml).
CLAIM_OFFER = "utter_offer_claim_after_answer"
# A button under a clarifying question names the entry the customer chose.
CHOSEN_ENTITY = "kb_entry"


def _chosen_entry(tracker: Tracker) -> Decision:
    for entity in (tracker.latest_message or {}).get("entities") or []:
        if entity.get("entity") == CHOSEN_ENTITY and KNOWLEDGE.get(str(entity.get("value"))):
            return Decision("answer", Match(str(entity["value"]), 1.0))
    return decision_from_parse(tracker.latest_message or {}, SETTINGS)


def _answers_given(tracker: Tracker) -> int:
    return sum(1 for event in tracker.events
               if event.get("event") == "action" and event.get("name") == "action_answer_question")


class ActionAnswerQuestion(Action):
    def name(self) -> Text:
        return "action_answer_question"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        text = (tracker.latest_message or {}).get("text") or ""
        personal = personal_action(text, SETTINGS)
        if personal:
            return [SlotSet(ANSWER_SLOT, None), FollowupAction(personal)]
        decision = _chosen_entry(tracker)
        if decision.outcome == "answer":
            entry = KNOWLEDGE.get(decision.best.entry_id)
            if entry is not None:
                opener = FRAMES.opener(entry.kind, tracker.get_slot("emotion_tone"), _answers_given(tracker))
                answer, source = answer_text(KNOWLEDGE, entry, opener, (tracker.latest_message or {}).get("text"))
                dispatcher.utter_message(response="utter_kb_answer", kb_answer=answer, kb_source=source)
                if (tracker.latest_message or {}).get(RESCUED_FROM) in SETTINGS.offer_claim_after:
                    # Read as a claim, asked as a question ("…can I claim?"): answered, and the claim offered.
                    return [SlotSet(ANSWER_SLOT, entry.id), FollowupAction(CLAIM_OFFER)]
                return [SlotSet(ANSWER_SLOT, entry.id)]
            # The model's index is older than the content: say so honestly rather than guess.
            logger.warning("knowledge entry %s is not in knowledge/ (retrain the model)", decision.best.entry_id)
        if decision.outcome == "clarify":
            first, second = KNOWLEDGE.get(decision.best.entry_id), KNOWLEDGE.get(decision.runner_up.entry_id)
            if first is not None and second is not None:
                dispatcher.utter_message(
                    response="utter_clarify_kb_question", kb_first=first.question, kb_second=second.question,
                    buttons=[{"title": entry.question,
                              "payload": f'/ask_question{{"{CHOSEN_ENTITY}": "{entry.id}"}}'}
                             for entry in (first, second)])
                return [SlotSet(ANSWER_SLOT, None)]
        dispatcher.utter_message(response="utter_kb_no_answer",
                                 buttons=[{"title": "Talk to a person", "payload": "/request_human"}])
        return [SlotSet(ANSWER_SLOT, None)]
