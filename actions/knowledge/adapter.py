"""A linear adapter on the frozen MiniLM sentence embedding, learnt from the knowledge base's own wordings.

MiniLM-L6 places a customer's wording near an entry only when the words are close to one written wording. The
adapter is one 384x384 matrix W (identity plus a learnt difference) applied to every vector the retriever compares:
the message's embedding (the one the featurizer already computed: no second encoder pass) and each indexed wording
and answer, each renormalised. It is trained (``training/knowledge_adapter.py``) to bring each entry's paraphrases
closer to the entry's other wordings than to any other entry's, with a penalty keeping it near identity.

It was trained on one version of the content: ``fingerprint`` hashes the entries' ids, wordings and answers, and
``load`` refuses a file whose fingerprint is not the content's, naming the command that retrains it, because an
adapter learnt on other wordings would silently skew every score the thresholds were chosen on.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Callable, List, Optional

import numpy as np

from actions.knowledge.content import KNOWLEDGE_DIR, ContentError, KnowledgeBase

ADAPTER_FILE = KNOWLEDGE_DIR / "adapter.npz"
RETRAIN = ".venv/bin/python -m training.knowledge_adapter"


def fingerprint(kb: KnowledgeBase) -> str:
    """What the adapter was trained on: every entry's id, wordings and answer, in order."""
    body = json.dumps([[entry.id, list(entry.index_texts())] for entry in kb.entries], ensure_ascii=False)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()[:16]


class AdapterMismatch(ContentError):
    """The adapter file was trained on other content than the knowledge base's."""


class Adapter:
    def __init__(self, matrix: np.ndarray, trained_on: str = "") -> None:
        matrix = np.asarray(matrix, dtype=np.float32)
        if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
            raise ValueError(f"an adapter is a square matrix, not {matrix.shape}")
        self.matrix = matrix
        self.trained_on = trained_on

    @classmethod
    def identity(cls, dimension: int = 384) -> "Adapter":
        return cls(np.eye(dimension, dtype=np.float32))

    def apply(self, vectors: np.ndarray) -> np.ndarray:
        """Rows mapped through W and renormalised; an all-zero row (a message without words) stays zero."""
        vectors = np.asarray(vectors, dtype=np.float32)
        mapped = vectors.reshape(-1, self.matrix.shape[0]) @ self.matrix
        norms = np.linalg.norm(mapped, axis=1, keepdims=True)
        mapped = np.divide(mapped, norms, out=np.zeros_like(mapped), where=norms > 0)
        return mapped.reshape(vectors.shape)

    def wrap(self, encode: Callable[[List[str]], np.ndarray]) -> Callable[[List[str]], np.ndarray]:
        return lambda texts: self.apply(encode(texts))

    def save(self, path: Path) -> None:
        # The difference from identity in half precision: ~0.3 MB, and its values are small enough for it.
        difference = (self.matrix - np.eye(self.matrix.shape[0], dtype=np.float32)).astype(np.float16)
        np.savez(path, difference=difference, trained_on=np.array(self.trained_on))

    @classmethod
    def load(cls, kb: KnowledgeBase, path: Path = ADAPTER_FILE) -> "Adapter":
        try:
            with np.load(path) as saved:
                difference = saved["difference"].astype(np.float32)
                trained_on = str(saved["trained_on"])
        except (OSError, KeyError, ValueError) as error:
            raise AdapterMismatch(f"No knowledge adapter in {path} ({error}): run `{RETRAIN}`") from error
        expected = fingerprint(kb)
        if trained_on != expected:
            raise AdapterMismatch(
                f"{path} was trained on other knowledge-base content ({trained_on}, the content is now {expected}): "
                f"an edited wording or answer needs the adapter retrained, `{RETRAIN}` (~1 min), then `./heard train`")
        return cls(np.eye(difference.shape[0], dtype=np.float32) + difference, trained_on)


def load_if_present(kb: KnowledgeBase, path: Optional[Path] = None) -> Optional[Adapter]:
    """The adapter for this content, or None when no file is committed (retrieval on the plain embedding)."""
    path = ADAPTER_FILE if path is None else path
    return Adapter.load(kb, path) if Path(path).exists() else None
