"""NLU component: the insurer's vetted knowledge base, searched with the message's own sentence embedding.

Runs after the FallbackClassifier. It adds the best entries to the parse data
(``knowledge: {"matches": [{"id", "score"}…], "outcome": answer|clarify|none}``) for
``action_answer_question``, and rescues long-tail questions the intent classifier misreads: when the intent
is one of ``rescue_intents`` (out_of_scope, nlu_fallback; inform and the canned-answer or flow intents only when
shaped like a question, the latter only for one clear entry; never a question about the customer's own policy
or claim) and the knowledge base has an answer or a close choice, the intent becomes ``ask_question``.

**Follow-ups.** A short elliptical question ("what about snowboarding?", "and for my partner?", "does that
include the shed?", ``rasa_addons.understanding.is_follow_up``) right after an answer from the knowledge base is
read with that entry's question as context: ``rasa_addons/conversation_context.py`` puts the entry answered in the
message's metadata, and when the message alone finds no entry, the entries are ranked again for "<the answered
entry's question> <the follow-up>", the entry already given left out unless the follow-up alone ranks it first. The
message's own ranking is kept under ``knowledge.follow_up.own``.

**A clear lead.** A question read as off topic (or not read) whose best entry is under the rescue floor, or even
under the answer threshold, or one read as a question for us whose best entry is under the answer threshold, is
still answered when that entry clearly leads the second (``rescue_on_clear_lead`` in
knowledge/retrieval.yml); the parse data then says ``knowledge.clear_lead`` and ``action_answer_question`` answers
with that entry.

**Question sentences.** A message of several sentences whose whole finds no clear entry has each sentence shaped
like a question ranked on its own (``max_question_sentences`` in knowledge/retrieval.yml); one that a single entry
clearly answers gives the message's ranking, the whole message's kept under ``knowledge.question_sentence.own``.

The index (every entry's wordings and answer, encoded at training, and BM25 statistics of each entry's
words, ``actions/knowledge/lexical.py``) is stored in the model, and Rasa's
training cache includes the content's hash, so a changed answer file retrains the model. The message's
embedding comes from ``SentenceEmbeddingFeaturizer`` (no second encoding); a message without it (an empty
text) is encoded here.
"""
from __future__ import annotations

import hashlib
import logging
from typing import Any, Dict, List, Optional, Text, Tuple

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from actions.knowledge import content
from actions.knowledge.matching import (Decision, Index, Match, RetrievalSettings, below_rescue_floor,
                                       best_question_sentence, clear_lead, decide, may_rescue)
from rasa_addons import settings
from rasa_addons.conversation_context import ANSWER_SLOT, CONTEXT_KEY
from rasa_addons.sentence_encoder import SentenceEncoder
from rasa_addons.understanding import is_follow_up

logger = logging.getLogger(__name__)

KNOWLEDGE_KEY = "knowledge"
RESCUED_KEY = "intent_rescued_from"


# Changes when what the index stores changes (2: BM25 word statistics beside the vectors), so that Rasa's
# training cache does not hand a new retriever an index without them.
INDEX_FORMAT = b"2"


def content_fingerprint() -> str:
    """Hash of every knowledge file and the index format: another answer or wording means another index."""
    digest = hashlib.sha256(INDEX_FORMAT)
    for path in sorted(content.KNOWLEDGE_DIR.glob("*.yml")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class KnowledgeRetriever(GraphComponent):
    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
                 index: Optional[Index] = None) -> None:
        self._model_storage, self._resource = model_storage, resource
        self._index = index
        self._settings = RetrievalSettings.from_file()
        self._encoder = SentenceEncoder(settings.NLU_ENCODER_DIR, threads=settings.NLU_ENCODER_THREADS)
        self._questions: Optional[Dict[str, str]] = None  # entry id -> its question, for follow-ups

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {}

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "KnowledgeRetriever":
        return cls(config, model_storage, resource)

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "KnowledgeRetriever":
        try:
            with model_storage.read_from(resource) as directory:
                index = Index.load(directory)
        except (ValueError, OSError) as error:
            logger.warning("No knowledge index in the model (%s): questions fall back to the intent alone", error)
            index = None
        return cls(config, model_storage, resource, index)

    @classmethod
    def fingerprint_addon(cls, config: Dict[str, Any]) -> Optional[str]:
        return content_fingerprint()

    def train(self, training_data: TrainingData) -> Resource:
        kb = content.load()  # a broken knowledge file stops training with its entry named
        self._index = Index.build(kb, self._encoder.encode)
        with self._model_storage.write_to(self._resource) as directory:
            self._index.save(directory)
        logger.info("Knowledge index: %d entries, %d rows", len(kb.entries), len(self._index.owners))
        return self._resource

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        if self._index is None:
            return messages
        for message in messages:
            self._process_one(message)
        return messages

    def _embedding(self, message: Message) -> np.ndarray:
        _, sentence = message.get_dense_features(TEXT)
        if sentence is not None and sentence.features.shape[-1] == self._index.matrix.shape[1]:
            return np.asarray(sentence.features).reshape(-1)
        return self._encoder.encode([message.get(TEXT) or ""])[0]

    def _question_of(self, entry_id: Any) -> Optional[str]:
        if self._questions is None:
            self._questions = {entry.id: entry.question for entry in content.load().entries}
        return self._questions.get(str(entry_id)) if entry_id else None

    def _follow_up(self, message: Message, text: str, own: Decision,
                   own_matches: List[Match]) -> Optional[Tuple[List[Match], Decision, str]]:
        """The ranking for a follow-up read with the answered entry's question, when the message alone finds
        nothing; None when it is not a follow-up to an answer or the context finds nothing either. The entry
        already given is left out unless the follow-up read alone ranks it first ("what about snowboarding?"
        after skiing: the same entry answers both); otherwise the follow-up asks for something it did not cover."""
        metadata = message.get("metadata")
        context = metadata.get(CONTEXT_KEY) if isinstance(metadata, dict) else None
        previous_id = context.get(ANSWER_SLOT) if isinstance(context, dict) else None
        previous = self._question_of(previous_id)
        if not previous or not is_follow_up(text):
            return None
        if own.outcome != "none":
            return None  # understood alone ("what about snowboarding?" finds winter sports): no context needed
        combined = f"{previous} {text}"
        ranked = self._index.search(self._encoder.encode([combined])[0], self._settings.top_k + 1, combined,
                                    self._settings.lexical_weight)
        if not own_matches or own_matches[0].entry_id != str(previous_id):
            # Read alone it points elsewhere: it asks for something the answer given did not cover.
            ranked = [m for m in ranked if m.entry_id != str(previous_id)]
        matches = ranked[: self._settings.top_k]
        decision = decide(matches, self._settings)
        return None if decision.outcome == "none" else (matches, decision, str(previous_id))

    def _search_text(self, text: str) -> List[Match]:
        return self._index.search(self._encoder.encode([text])[0], self._settings.top_k, text,
                                  self._settings.lexical_weight)

    def _process_one(self, message: Message) -> None:
        text = message.get(TEXT) or ""
        matches = self._index.search(self._embedding(message), self._settings.top_k, text,
                                     self._settings.lexical_weight)
        decision = decide(matches, self._settings)
        found: Dict[str, Any] = {"matches": [m.as_dict() for m in matches], "outcome": decision.outcome}
        follow_up = self._follow_up(message, text, decision, matches)
        if follow_up is not None:
            own = found
            matches, decision, previous_id = follow_up
            found = {"matches": [m.as_dict() for m in matches], "outcome": decision.outcome,
                     "follow_up": {"after": previous_id, "own": own}}
        elif decision.outcome != "answer":
            sentence = best_question_sentence(text, self._search_text, self._settings)
            if sentence is not None:
                # The question asked around a joke, a greeting or a story: its own ranking answers it.
                own = found
                _, matches, decision = sentence
                found = {"matches": [m.as_dict() for m in matches], "outcome": decision.outcome,
                         "question_sentence": {"own": own}}
        name = (message.get(INTENT) or {}).get("name")
        if ((decision.outcome == "none" or below_rescue_floor(name, decision, self._settings))
                and clear_lead(name, text, matches, self._settings)):
            # Under the answer threshold (or this reading's floor), but one entry clearly leads the others: a long
            # question whose story lowers its cosine against every entry (retrieval.yml `rescue_on_clear_lead`).
            lead = Decision("answer", matches[0], by_clear_lead=True)
            # Read as a question for us already, it needs no rescue: the action answers with the leading entry.
            if name == self._settings.intent or may_rescue(name, text, message.get(ENTITIES) or [], lead,
                                                            self._settings):
                decision = lead
                found.update(outcome="answer", clear_lead=True)
        if below_rescue_floor(name, decision, self._settings):
            found["below_rescue_floor"] = True  # too weak to overrule the classifier: read as no answer after this
        message.set(KNOWLEDGE_KEY, found, add_to_output=True)
        if not may_rescue(name, message.get(TEXT) or "", message.get(ENTITIES) or [], decision, self._settings):
            return
        rescued = {"name": self._settings.intent, "confidence": decision.best.cosine}  # 0-1, unlike the ranking score
        ranking = [rescued] + [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != rescued["name"]]
        message.set(INTENT, rescued, add_to_output=True)
        message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        message.set(RESCUED_KEY, name, add_to_output=True)
        logger.info("Intent %s -> %s (knowledge %s %.2f, cosine %.2f)", name, rescued["name"],
                    decision.best.entry_id, decision.best.score, decision.best.cosine)
