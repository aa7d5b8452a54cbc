"""Finding the vetted answer for a question: the index of sentence embeddings and words, and the rule for
when the best match is good enough to give.

The index holds one unit vector per wording (each entry's question, paraphrases and answer) and BM25
statistics of each entry's words (``actions/knowledge/lexical.py``). Entries are ranked by the cosine
similarity of their closest wording plus ``lexical_weight`` times their share of the message's words (0-1);
whether the best is good enough to give is read on its cosine alone, which is what keeps off-topic questions
out (words such as "car" or "payment" are shared with them). The rule (``decide``) and its numbers
(``knowledge/retrieval.yml``) are shared by the retriever in Rasa, which uses them to rescue long-tail
questions the intent classifier misreads, and by ``action_answer_question``, which answers or says
honestly that it has no vetted answer.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Pattern, Sequence, Tuple

import numpy as np

from actions.knowledge.content import KNOWLEDGE_DIR, RETRIEVAL_FILE, ContentError, KnowledgeBase, read_settings_file
from actions.knowledge.lexical import LexicalIndex

MATRIX_FILE, IDS_FILE = "knowledge_index.npy", "knowledge_index_ids.json"
# Enough of a message to judge its form; customer text is unbounded.
_QUESTION_WINDOW = _PERSONAL_WINDOW = 300
# A question's form, read sentence by sentence: customers ask in the second sentence ("Hi, bit of a long one.
# We've just had a new kitchen fitted. Do I need to tell you?"), in text-speak ("wat does", "hw long", "cn i"),
# or inside a statement ("I was wondering whether…", "can you tell me if…"). Each pattern is anchored or has no
# unbounded gap, so the reading stays linear.
_QUESTION_WORD = (r"(?:can|could|do|does|did|is|are|am|will|would|should|shall|what|what's|whats|wat|wats|wot|"
                  r"how|hw|hows|how's|when|where|who|whose|which|why|if|have|has|cn|r)")
_QUESTION_OPENING = re.compile(
    r"^\W*(?:(?:hi|hello|hey|please|sorry|quick question|just wondering|i was wondering|also|and|so|but|ok|okay|"
    r"right|one more thing)\b\W*){0,3}" + _QUESTION_WORD + r"\b", re.IGNORECASE)
_EMBEDDED_QUESTION = re.compile(
    r"\b(?:wondering (?:if|whether|what|how|about)|do you know (?:if|whether|what|how)|"
    r"(?:can|could) you (?:tell|explain to) me|tell me (?:if|whether|what|how|about)|"
    r"(?:i'd like to|i would like to|i want to|i wanted to|i need to|just want to) (?:know|check|find out|ask)|"
    r"not sure (?:if|whether|what|how)|is it true)\b"
    # A question after a comma or a dash, unpunctuated ("lol my dog ate my glasses, does home insurance cover that",
    # session 8: got the product overview): a yes-or-no word with who or what it asks about right after it.
    r"|[,;:\u2013\u2014-]\s*(?:do|does|is|are|am|can|could|will|would|should)\s+(?:i|we|you|it|this|that|they|my|our|"
    r"the|your|home|car|travel|contents|buildings|insurance|policy|cover)\b"
    # … or a wh-question ("Just moved house, what do I need to do": got the claim documents list).
    r"|[,;:\u2013\u2014-]\s*(?:how|what|when|where|why|which|who)\s+(?:do|does|did|is|are|can|could|should|would|will|"
    r"happens|about|now)\b", re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


@dataclass(frozen=True)
class Match:
    """``score`` ranks the entries (cosine plus weighted words); ``dense`` is the cosine, ``lexical`` the share
    of the message's words. Matches without the parts (parse data written before them) have the cosine as
    their score."""
    entry_id: str
    score: float
    dense: Optional[float] = None
    lexical: Optional[float] = None

    @property
    def cosine(self) -> float:
        return float(self.score if self.dense is None else self.dense)

    def as_dict(self) -> Dict[str, Any]:
        found = {"id": self.entry_id, "score": round(float(self.score), 4)}
        if self.dense is not None:
            found.update(dense=round(float(self.dense), 4), lexical=round(float(self.lexical or 0.0), 4))
        return found


@dataclass(frozen=True)
class RetrievalSettings:
    answer_threshold: float
    margin: float
    sure_score: float
    top_k: int
    intent: str
    rescue_intents: Tuple[str, ...]
    rescue_needs_question_form: Tuple[str, ...]
    rescue_needs_sure_match: Tuple[str, ...]
    personal_routes: Tuple[Tuple[Pattern[str], str], ...]
    rescue_needs_answer: Tuple[str, ...] = ()
    rescue_unless: Tuple[Tuple[str, Pattern[str]], ...] = ()
    lexical_weight: float = 0.0
    rescue_on_sure_match: Tuple[str, ...] = ()
    # intent -> the least cosine that may overrule it (retrieval.yml `rescue_min_cosine`)
    rescue_min_cosine: Tuple[Tuple[str, float], ...] = ()
    # intent -> words the message must have to be taken from it (retrieval.yml `rescue_needs_words`)
    rescue_needs_words: Tuple[Tuple[str, Pattern[str]], ...] = ()
    # the intents after whose rescue the answer is followed by an offer to start a claim
    offer_claim_after: Tuple[str, ...] = ()
    # how many question sentences of a longer message are ranked on their own (retrieval.yml)
    max_question_sentences: int = 0
    # readings for which a question one entry clearly leads is answered under answer_threshold or their rescue floor
    # (retrieval.yml `rescue_on_clear_lead`): the least cosine and the least lead on the ranking score over the second
    clear_lead_intents: Tuple[str, ...] = ()
    clear_lead_min_cosine: float = 1.0
    clear_lead: float = 1.0

    @classmethod
    def from_file(cls, directory: Path = KNOWLEDGE_DIR) -> "RetrievalSettings":
        raw = read_settings_file(RETRIEVAL_FILE, directory)
        try:
            settings = cls(float(raw["answer_threshold"]), float(raw["margin"]), float(raw["sure_score"]),
                           int(raw["top_k"]), str(raw["intent"]), tuple(raw["rescue_intents"]),
                           tuple(raw["rescue_needs_question_form"]), tuple(raw["rescue_needs_sure_match"]),
                           tuple((re.compile(item["pattern"], re.IGNORECASE), str(item["action"]))
                                 for item in raw.get("personal_questions") or []),
                           tuple(raw.get("rescue_needs_answer") or ()),
                           tuple((str(intent), re.compile(pattern, re.IGNORECASE))
                                 for intent, pattern in (raw.get("rescue_unless") or {}).items()),
                           float(raw["lexical_weight"]),
                           tuple(raw.get("rescue_on_sure_match") or ()),
                           tuple((str(intent), float(floor))
                                 for intent, floor in (raw.get("rescue_min_cosine") or {}).items()),
                           tuple((str(intent), re.compile(pattern, re.IGNORECASE))
                                 for intent, pattern in (raw.get("rescue_needs_words") or {}).items()),
                           tuple(raw.get("offer_claim_after") or ()),
                           int(raw.get("max_question_sentences") or 0),
                           *_clear_lead_settings(raw.get("rescue_on_clear_lead")))
        except (KeyError, TypeError, ValueError, re.error) as error:
            raise ContentError(f"{RETRIEVAL_FILE}: {error!r}") from error
        if (not 0 < settings.answer_threshold <= settings.sure_score <= 1 or settings.margin < 0
                or settings.top_k < 2 or settings.lexical_weight < 0 or settings.max_question_sentences < 0):
            raise ContentError(f"{RETRIEVAL_FILE}: need 0 < answer_threshold <= sure_score <= 1, margin >= 0, "
                               "top_k >= 2, lexical_weight >= 0")
        if settings.clear_lead_intents and not (0 < settings.clear_lead_min_cosine <= 1
                                                and settings.clear_lead > settings.margin):
            raise ContentError(f"{RETRIEVAL_FILE}: rescue_on_clear_lead needs 0 < min_cosine <= 1 and a lead above "
                               "the margin (a lead inside it is a near-tie)")
        return settings


def _clear_lead_settings(raw: Optional[Dict[str, Any]]) -> Tuple[Tuple[str, ...], float, float]:
    if not raw:
        return (), 1.0, 1.0
    return tuple(str(intent) for intent in raw["intents"]), float(raw["min_cosine"]), float(raw["lead"])


@dataclass(frozen=True)
class Decision:
    """``answer`` with ``best``; ``clarify`` between ``best`` and ``runner_up`` (two entries too close to
    tell apart, so the customer picks); ``none`` when no entry is close enough."""
    outcome: str
    best: Optional[Match] = None
    runner_up: Optional[Match] = None
    # answered by ``clear_lead`` under answer_threshold or the reading's rescue floor
    by_clear_lead: bool = False


def decide(matches: Sequence[Match], settings: RetrievalSettings) -> Decision:
    """``matches`` best first. The threshold and the sure score read the best entry's cosine (an absolute
    scale, on which off-topic questions were measured); the near-tie margin reads the ranking scores, where
    the words have had their say."""
    if not matches or matches[0].cosine < settings.answer_threshold:
        return Decision("none")
    best = matches[0]
    runner_up = matches[1] if len(matches) > 1 else None
    if (runner_up is not None and best.score - runner_up.score < settings.margin
            and best.cosine < settings.sure_score):
        return Decision("clarify", best, runner_up)
    return Decision("answer", best)


def clear_lead(intent: Optional[str], text: str, matches: Sequence[Match], settings: RetrievalSettings) -> bool:
    """Whether a question the classifier read as ``intent`` (one of ``clear_lead_intents``) clearly asks one entry:
    the best entry's cosine is at least ``clear_lead_min_cosine`` and it leads the second on the ranking score by
    ``clear_lead`` or more (retrieval.yml ``rescue_on_clear_lead``). Only a message shaped like a question: a
    statement with a clear lead ("The garage said it's a write off") tells us about something, it does not ask."""
    if intent not in settings.clear_lead_intents or len(matches) < 2:
        return False
    best, second = matches[0], matches[1]
    # Rounded as the parse data stores scores, so a lead of exactly ``clear_lead`` counts however it was summed.
    lead = round(best.score - second.score, 4)
    return best.cosine >= settings.clear_lead_min_cosine and lead >= settings.clear_lead and looks_like_question(text)


def decision_from_parse(parse_data: Dict[str, Any], settings: RetrievalSettings) -> Decision:
    """The retriever's decision for a message as stored in its parse data: ``decide`` on its ranking, or the best
    entry when the retriever answered it by a clear lead (``knowledge.clear_lead``)."""
    matches = matches_from_parse(parse_data)
    if matches and ((parse_data or {}).get("knowledge") or {}).get("clear_lead"):
        return Decision("answer", matches[0], by_clear_lead=True)
    return decide(matches, settings)


def matches_from_parse(parse_data: Dict[str, Any]) -> List[Match]:
    """The retriever's ranking as stored in a message's parse data (``knowledge.matches``)."""
    found = (parse_data or {}).get("knowledge") or {}
    matches = []
    for item in found.get("matches") or []:
        try:
            dense = None if item.get("dense") is None else float(item["dense"])
            lexical = None if item.get("lexical") is None else float(item["lexical"])
            matches.append(Match(str(item["id"]), float(item["score"]), dense, lexical))
        except (AttributeError, KeyError, TypeError, ValueError):
            continue
    return sorted(matches, key=lambda match: -match.score)


def personal_action(text: str, settings: RetrievalSettings) -> Optional[str]:
    """The action that answers from the customer's own policy, for a question about their own figures."""
    head = (text or "")[:_PERSONAL_WINDOW]
    return next((action for pattern, action in settings.personal_routes if pattern.search(head)), None)


def may_rescue(intent: Optional[str], text: str, entities: Sequence[Dict[str, Any]], decision: Decision,
               settings: RetrievalSettings) -> bool:
    """Whether a message the classifier gave ``intent`` is a knowledge-base question after all."""
    if decision.outcome == "none" or intent not in settings.rescue_intents:
        return False
    if personal_action(text, settings) or any(e.get("entity") == "policy_number" for e in entities):
        return False  # their own policy: the policy actions answer with their figures
    sure_answer = decision.outcome == "answer" and decision.best.cosine >= settings.sure_score
    if (intent in settings.rescue_needs_question_form and not looks_like_question(text)
            and not (intent in settings.rescue_on_sure_match and sure_answer)):
        return False
    if intent in settings.rescue_needs_sure_match and (decision.outcome != "answer"
                                                        or decision.best.cosine < settings.sure_score):
        return False
    if intent in settings.rescue_needs_answer and decision.outcome != "answer":
        return False
    if below_rescue_floor(intent, decision, settings):
        return False
    head = (text or "")[:_QUESTION_WINDOW]
    if any(name == intent and not pattern.search(head) for name, pattern in settings.rescue_needs_words):
        return False
    return not any(name == intent and pattern.search(head) for name, pattern in settings.rescue_unless)


def below_rescue_floor(intent: Optional[str], decision: Decision, settings: RetrievalSettings) -> bool:
    """Whether the best match is too weak to overrule the classifier's ``intent`` (``rescue_min_cosine``); an answer
    by a clear lead (``clear_lead``) has passed its own bar."""
    floor = dict(settings.rescue_min_cosine).get(intent or "")
    return (floor is not None and decision.best is not None and not decision.by_clear_lead
            and decision.best.cosine < floor)


# A sentence of fewer words says too little to be ranked on its own ("Joking.", "Thanks!").
_MIN_SENTENCE_WORDS = 3


# Long messages tell the story first and ask last ("…and now the ceiling's stained. Am I covered for this?"): their
# sentences are read this far (session 8: only the first 300 characters were, so a question after a long story was
# never ranked). Splitting is linear; at most ``max_question_sentences`` are ranked.
_SENTENCES_WINDOW = 1500


def question_sentences(text: str, most: int) -> List[str]:
    """The sentences of a message of more than one sentence that are shaped like a question, at most ``most``,
    in order: the question a customer asks around a joke, a greeting or the story that led to it. (Each question
    ranked with the sentence before it as well was tried in session 8: held-out set 4 through the bot 30 -> 31
    right but 5 -> 6 wrong, so not kept; docs/benchmarks.md.)"""
    head = (text or "")[:_SENTENCES_WINDOW].strip()
    sentences = [part.strip() for part in _SENTENCE_END.split(head) if len(part.split()) >= _MIN_SENTENCE_WORDS]
    if len(sentences) < 2:
        return []
    return [sentence for sentence in sentences if looks_like_question(sentence)][:most]


def best_question_sentence(text: str, search: Callable[[str], List[Match]],
                           settings: RetrievalSettings) -> Optional[Tuple[str, List[Match], Decision]]:
    """For a message the whole of which found no clear entry: the question sentence that one entry clearly answers
    (the surest if several do), with its ranking and decision; None when none does. ``search`` ranks one text."""
    found = []
    for sentence in question_sentences(text, settings.max_question_sentences):
        matches = search(sentence)
        decision = decide(matches, settings)
        if decision.outcome == "answer":
            found.append((sentence, matches, decision))
    return max(found, key=lambda item: item[2].best.cosine, default=None)


def looks_like_question(text: str) -> bool:
    """A question mark anywhere in the opening or the closing 300 characters, a sentence there that opens like a
    question, or a question asked inside a statement."""
    text = text or ""
    head = text[:_QUESTION_WINDOW].strip()
    if len(text) > _QUESTION_WINDOW:
        head = f"{head} {text[-_QUESTION_WINDOW:].strip()}"
    if "?" in head:
        return True
    if any(_QUESTION_OPENING.match(sentence) for sentence in _SENTENCE_END.split(head)):
        return True
    return bool(_EMBEDDED_QUESTION.search(head))


class Index:
    """Unit vectors of every wording and answer, the entry each belongs to, and the entries' words."""

    def __init__(self, owners: Sequence[str], matrix: np.ndarray, lexical: Optional[LexicalIndex] = None) -> None:
        if len(owners) != len(matrix):
            raise ValueError("one owner per row")
        # Rows grouped by entry, so the best wording per entry is one ``maximum.reduceat``.
        order = sorted(range(len(owners)), key=lambda row: owners[row])
        self.owners = [owners[row] for row in order]
        self.matrix = np.asarray(matrix, dtype=np.float32)[order] if len(order) else np.zeros((0, 0), np.float32)
        starts = [row for row, owner in enumerate(self.owners) if row == 0 or self.owners[row - 1] != owner]
        self._entry_ids = [self.owners[row] for row in starts]
        self._starts = np.array(starts, dtype=np.int64)
        if lexical is not None and lexical.entry_ids != self._entry_ids:
            raise ValueError("the lexical statistics are for other entries than the vectors")
        self.lexical = lexical

    @classmethod
    def build(cls, kb: KnowledgeBase, encode: Callable[[List[str]], np.ndarray],
              leave_out: Callable[[str, str], bool] = lambda entry_id, text: False) -> "Index":
        """``leave_out(entry_id, text)`` keeps wordings out of the index (held-out evaluation)."""
        rows = [(entry.id, text) for entry in kb.entries for text in entry.index_texts()
                if not leave_out(entry.id, text)]
        documents: Dict[str, List[str]] = {}
        for entry_id, text in sorted(rows, key=lambda row: row[0]):  # the vectors' entry order
            documents.setdefault(entry_id, []).append(text)
        return cls([entry_id for entry_id, _ in rows], encode([text for _, text in rows]),
                   LexicalIndex.build(documents))

    def search(self, vector: np.ndarray, k: int, text: str = "", lexical_weight: float = 0.0) -> List[Match]:
        """The k best entries for one message (its unit vector and its text), best first; an all-zero vector
        (a message without words) finds nothing."""
        vector = np.asarray(vector, dtype=np.float32).reshape(-1)
        norm = float(np.linalg.norm(vector))
        if norm == 0.0 or not self.owners:
            return []
        dense = np.maximum.reduceat(self.matrix @ (vector / norm), self._starts)
        if lexical_weight > 0 and self.lexical is not None:
            lexical = self.lexical.scores(text)
        else:
            lexical = np.zeros_like(dense)
        score = dense + np.float32(lexical_weight) * lexical
        order = np.argsort(-score)[:k]
        return [Match(self._entry_ids[i], float(score[i]), float(dense[i]), float(lexical[i])) for i in order]

    def save(self, directory: Path) -> None:
        np.save(Path(directory) / MATRIX_FILE, self.matrix)
        (Path(directory) / IDS_FILE).write_text(json.dumps(self.owners), encoding="utf-8")
        if self.lexical is not None:
            self.lexical.save(directory)

    @classmethod
    def load(cls, directory: Path) -> "Index":
        """A model saved before the lexical statistics existed cannot be scored on the settings' scale:
        ``ValueError``, and the retriever says to retrain."""
        owners = json.loads((Path(directory) / IDS_FILE).read_text(encoding="utf-8"))
        try:
            lexical = LexicalIndex.load(directory)
        except (OSError, KeyError) as error:
            raise ValueError(f"knowledge index without word statistics ({error}): retrain the model") from error
        return cls(owners, np.load(Path(directory) / MATRIX_FILE), lexical)
