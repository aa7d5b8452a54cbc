"""The real knowledge base and the real sentence encoder (the ONNX export Rasa uses)."""
from __future__ import annotations

import pytest

from actions.knowledge import content
from actions.knowledge.matching import Index, RetrievalSettings
from rasa_addons import settings as rasa_settings
from rasa_addons.sentence_encoder import SentenceEncoder


@pytest.fixture(scope="session")
def kb() -> content.KnowledgeBase:
    return content.load()


@pytest.fixture(scope="session")
def retrieval_settings() -> RetrievalSettings:
    return RetrievalSettings.from_file()


@pytest.fixture(scope="session")
def encoder() -> SentenceEncoder:
    encoder = SentenceEncoder(rasa_settings.NLU_ENCODER_DIR)
    encoder.meta()  # a missing export fails here with the command that makes it
    return encoder


@pytest.fixture(scope="session")
def index(kb, encoder) -> Index:
    return Index.build(kb, encoder.encode)
