"""Run by tests/rasa/test_sentence_features.py in Rasa's own runtime (.venv-rasa, no torch there).

    .venv-rasa/bin/python tests/rasa/sentence_features_probe.py ENCODER_DIR TEXT... -> JSON on stdout
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from rasa_addons.sentence_features import EncoderNotPrepared, SentenceEmbeddingFeaturizer, SentenceEncoder


def main(directory: str, texts: list[str]) -> dict:
    encoder = SentenceEncoder(Path(directory))
    try:
        vectors = encoder.encode(texts)
    except EncoderNotPrepared as error:
        return {"error": str(error)}
    featurizer = SentenceEmbeddingFeaturizer({**SentenceEmbeddingFeaturizer.get_default_config(), "scale": 10.0},
                                             "probe", encoder)
    messages = [Message(data={TEXT: text}) for text in texts]
    featurizer.process(messages)
    sentence_features = [m.get_dense_features(TEXT)[1] for m in messages]
    return {"vectors": vectors.tolist(),
            "feature_shapes": [list(f.features.shape) if f is not None else None for f in sentence_features],
            "features": [f.features[0].tolist() if f is not None else None for f in sentence_features],
            "sequence_features": [m.get_dense_features(TEXT)[0] is not None for m in messages]}


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], sys.argv[2:])))
