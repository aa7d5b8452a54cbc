"""Lexical evidence for the knowledge base: BM25 over each entry's words (its question, paraphrases and
answer), on an absolute 0-1 scale so that it can be added to the sentence-embedding similarity.

MiniLM's similarity says what a message is *like*; it blurs the specific words that tell neighbouring
entries apart ("caravan" vs "motorhome", "solar panels" vs "roof") and it finds off-topic questions about
cars or payments close to insurance ones. Words that few entries use (high inverse document frequency, so
insurance-specific words such as "excess", "caravan", "heave") are the evidence the embedding lacks.

The score of an entry is its BM25 score divided by the most the message's words could earn (every word
counted once, at its IDF times ``k1 + 1``). Words no entry uses count in that maximum at the IDF of a word
seen nowhere: a message that is mostly about something else ("where can I hire a car in Lisbon") keeps a
low share however well its one insurance word matches.

Plain Python and numpy only: it runs in Rasa's runtime (Python 3.10) and the action server's (3.11) alike,
and its statistics are saved as JSON and ``.npy`` (no pickles across library versions).
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Dict, Iterable, List, Mapping, Sequence, Tuple

import numpy as np

# Enough of a message to find its words; customer text is unbounded and the scan must stay linear.
MAX_CHARS = 2000
_WORD = re.compile(r"[a-z0-9]+")
# Words that say nothing about which entry answers a question (apostrophes are dropped before this list is
# read: "what's" is "whats"). Question words and "my"/"your" are here too: every entry is asked with them, so
# they only add noise to a near-tie.
STOPWORDS = frozenset("""
a an the and or but if so as of to in on at for with by from into onto off out over under up down about than
then too very just also any some all each both own same such only more most other another again once
i me my mine myself we us our ours you your yours he him his she her hers it its they them their theirs
is are was were be been being am do does did doing done have has had having can could will would should
shall may might must ought this that these those there here what which who whom whose when where why how
not no yes get got getting please hi hello hey thanks thank ok okay really
im ive id ill youre youve youd theyre theyve weve hes shes its thats theres whats wheres whos hows
dont doesnt didnt isnt arent wasnt werent cant cannot couldnt wont wouldnt shouldnt havent hasnt hadnt
""".split())
FILE = "knowledge_lexical.json"
WEIGHTS_FILE = "knowledge_lexical.npy"


def stem(word: str) -> str:
    """A light suffix stripper (plurals, -ing, -ed, a final -e), so "driving", "drive" and "drives" or
    "claimed" and "claims" meet; longer words only, so short ones are left alone."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    for suffix in ("ing", "ed", "es", "s", "e"):
        if len(word) - len(suffix) >= 3 and word.endswith(suffix) and not word.endswith(("ss", "us", "is")):
            word = word[:-len(suffix)]
            break
    if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "aeiouls":
        word = word[:-1]  # "stopped" -> "stopp" -> "stop"
    return word


def tokens(text: str) -> List[str]:
    """The stemmed content words of a text, in order (the first ``MAX_CHARS`` characters)."""
    words = _WORD.findall((text or "")[:MAX_CHARS].lower().replace("\u2019", "'").replace("'", ""))
    return [stem(word) for word in words if word not in STOPWORDS and len(word) > 1]


class LexicalIndex:
    """BM25 term weights per entry (rows: terms, columns: entries) and each term's IDF."""

    def __init__(self, entry_ids: Sequence[str], vocabulary: Mapping[str, int], idf: np.ndarray,
                 weights: np.ndarray, unseen_idf: float, k1: float) -> None:
        self.entry_ids = list(entry_ids)
        self.vocabulary = dict(vocabulary)
        self.idf = np.asarray(idf, dtype=np.float32)
        self.weights = np.asarray(weights, dtype=np.float32)
        self.unseen_idf, self.k1 = float(unseen_idf), float(k1)
        if self.weights.shape != (len(self.vocabulary), len(self.entry_ids)) or len(self.idf) != len(self.vocabulary):
            raise ValueError("lexical index: weights must be terms x entries, one IDF per term")

    @staticmethod
    def idf_of(document_frequency: np.ndarray, entries: int) -> np.ndarray:
        """BM25's IDF (always positive): a word in one entry of 242 weighs 5.1, in half of them 0.7."""
        df = np.asarray(document_frequency, dtype=np.float64)
        return np.log1p((entries - df + 0.5) / (df + 0.5))

    @classmethod
    def build(cls, documents: Mapping[str, Iterable[str]], k1: float = 1.2, b: float = 0.75) -> "LexicalIndex":
        """``documents``: entry id -> its texts (all of an entry's texts make one document)."""
        entry_ids = list(documents)
        counts: List[Dict[str, int]] = []
        for entry_id in entry_ids:
            bag: Dict[str, int] = {}
            for text in documents[entry_id]:
                for token in tokens(text):
                    bag[token] = bag.get(token, 0) + 1
            counts.append(bag)
        vocabulary = {term: i for i, term in enumerate(sorted({t for bag in counts for t in bag}))}
        tf = np.zeros((len(vocabulary), len(entry_ids)), dtype=np.float64)
        for column, bag in enumerate(counts):
            for term, count in bag.items():
                tf[vocabulary[term], column] = count
        return cls.from_counts(entry_ids, vocabulary, tf, k1, b)

    @classmethod
    def from_counts(cls, entry_ids: Sequence[str], vocabulary: Mapping[str, int], tf: np.ndarray,
                    k1: float = 1.2, b: float = 0.75) -> "LexicalIndex":
        entries = len(entry_ids)
        idf = cls.idf_of((tf > 0).sum(axis=1), entries)
        lengths = tf.sum(axis=0)
        norm = k1 * (1 - b + b * lengths / max(float(lengths.mean()), 1e-9))
        weights = idf[:, None] * tf * (k1 + 1) / (tf + norm[None, :])
        return cls(entry_ids, vocabulary, idf, weights, float(cls.idf_of(np.zeros(1), entries)[0]), k1)

    def scores(self, text: str) -> np.ndarray:
        """Each entry's share (0-1) of the most the message's words could earn; zeros for no words."""
        terms = set(tokens(text))
        if not terms or not self.entry_ids:
            return np.zeros(len(self.entry_ids), dtype=np.float32)
        rows = [self.vocabulary[t] for t in terms if t in self.vocabulary]
        ceiling = (float(self.idf[rows].sum()) + self.unseen_idf * (len(terms) - len(rows))) * (self.k1 + 1)
        if not rows:
            return np.zeros(len(self.entry_ids), dtype=np.float32)
        return self.weights[rows].sum(axis=0) / np.float32(ceiling)

    def save(self, directory: Path) -> None:
        meta = {"entry_ids": self.entry_ids, "terms": sorted(self.vocabulary, key=self.vocabulary.get),
                "idf": [float(x) for x in self.idf], "unseen_idf": self.unseen_idf, "k1": self.k1}
        (Path(directory) / FILE).write_text(json.dumps(meta), encoding="utf-8")
        np.save(Path(directory) / WEIGHTS_FILE, self.weights)

    @classmethod
    def load(cls, directory: Path) -> "LexicalIndex":
        meta = json.loads((Path(directory) / FILE).read_text(encoding="utf-8"))
        vocabulary = {term: i for i, term in enumerate(meta["terms"])}
        return cls(meta["entry_ids"], vocabulary, np.array(meta["idf"]), np.load(Path(directory) / WEIGHTS_FILE),
                   meta["unseen_idf"], meta["k1"])


def term_counts(texts: Sequence[str], vocabulary: Mapping[str, int]) -> List[Tuple[np.ndarray, np.ndarray]]:
    """(term rows, counts) of each text, for benchmarks that take one wording out of its entry."""
    result = []
    for text in texts:
        bag: Dict[int, int] = {}
        for token in tokens(text):
            if token in vocabulary:
                bag[vocabulary[token]] = bag.get(vocabulary[token], 0) + 1
        result.append((np.array(list(bag), dtype=np.int64), np.array(list(bag.values()), dtype=np.float64)))
    return result

