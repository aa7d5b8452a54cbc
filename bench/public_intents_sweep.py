"""Quick experiments for the intent classifier on the public sets, outside Rasa (run in .venv-rasa).

    PYTHONPATH=. nice -n 10 .venv-rasa/bin/python bench/public_intents_sweep.py --dataset banking77 \
        --grid "C=1,3,10" "scale=10,20" [--class-weight balanced none]

An approximation of the project's pipeline to choose what to try in Rasa: the same MiniLM sentence
embedding (``rasa_addons.sentence_features.SentenceEncoder``, cached in var/bench/public-intents-cache),
word 1-2-gram and char_wb 2-5-gram counts as Rasa's CountVectorsFeaturizer makes them (lower-cased,
punctuation dropped by the whitespace tokenizer), logistic regression with Rasa's settings. Anything
kept is then measured with the real pipeline (bench/public_intents.py) and the project's own
cross-validation (bench/nlu_cross_validation.py); the figures in docs/benchmarks.md come from those.
"""
from __future__ import annotations

import argparse
import itertools
import re
import sys
import time
from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.public_data import shared_data_dir  # noqa: E402
from bench.public_intents import FALLBACK, LOADERS, OUT_OF_SCOPE  # noqa: E402

CACHE = ROOT / "var" / "bench" / "public-intents-cache"
_PUNCTUATION = re.compile(r"[^\w\s]+")


def embeddings(name: str, split: str, texts: list[str]) -> np.ndarray:
    path = CACHE / f"{name}-{split}.npy"
    if path.exists():
        return np.load(path)
    from rasa_addons import settings
    from rasa_addons.sentence_features import SentenceEncoder  # the encoder the featurizer runs

    vectors = SentenceEncoder(settings.NLU_ENCODER_DIR, threads=2).encode(texts)
    CACHE.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors


def as_tokens(text: str) -> str:
    return " ".join(_PUNCTUATION.sub(" ", text.lower()).split())


def features(train_texts, test_texts, train_vectors, test_vectors, scale: float):
    words = CountVectorizer(ngram_range=(1, 2), token_pattern=r"(?u)\b\w\w+\b")
    chars = CountVectorizer(analyzer="char_wb", ngram_range=(2, 5))
    train_tokens, test_tokens = list(map(as_tokens, train_texts)), list(map(as_tokens, test_texts))
    x_train = hstack([words.fit_transform(train_tokens), chars.fit_transform(train_tokens),
                      csr_matrix(train_vectors * scale)]).tocsr()
    x_test = hstack([words.transform(test_tokens), chars.transform(test_tokens),
                     csr_matrix(test_vectors * scale)]).tocsr()
    return x_train, x_test


def evaluate(gold: list[str], classes: np.ndarray, probabilities: np.ndarray, threshold: float,
             ambiguity: float = 0.05) -> dict:
    order = np.argsort(-probabilities, axis=1)
    top = probabilities[np.arange(len(gold)), order[:, 0]]
    second = probabilities[np.arange(len(gold)), order[:, 1]]
    predicted = np.where((top < threshold) | (top - second < ambiguity), FALLBACK, classes[order[:, 0]])
    in_scope = [i for i, g in enumerate(gold) if g != OUT_OF_SCOPE]
    oos = [i for i, g in enumerate(gold) if g == OUT_OF_SCOPE]
    result = {"in_scope_accuracy": float(np.mean([predicted[i] == gold[i] for i in in_scope]))}
    if oos:
        result["oos_recall"] = float(np.mean([predicted[i] in (OUT_OF_SCOPE, FALLBACK) for i in oos]))
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", choices=sorted(LOADERS), default="banking77")
    parser.add_argument("--C", type=float, nargs="+", default=[1.0])
    parser.add_argument("--scale", type=float, nargs="+", default=[10.0])
    parser.add_argument("--class-weight", nargs="+", default=["balanced"])
    parser.add_argument("--max-iter", type=int, default=300)
    parser.add_argument("--thresholds", type=float, nargs="+", default=[0.25])
    args = parser.parse_args()
    train, validation = LOADERS[args.dataset](shared_data_dir())
    train_texts, train_gold = zip(*train)
    test_texts, test_gold = zip(*validation)
    train_vectors = embeddings(args.dataset, "train", list(train_texts))
    test_vectors = embeddings(args.dataset, "validation", list(test_texts))
    for scale, c, weight in itertools.product(args.scale, args.C, args.class_weight):
        x_train, x_test = features(train_texts, test_texts, train_vectors, test_vectors, scale)
        started = time.perf_counter()
        model = LogisticRegression(C=c, max_iter=args.max_iter, class_weight=None if weight == "none" else weight,
                                   random_state=42, solver="lbfgs")
        model.fit(x_train, list(train_gold))
        seconds = time.perf_counter() - started
        probabilities = model.predict_proba(x_test)
        for threshold in args.thresholds:
            result = evaluate(list(test_gold), model.classes_, probabilities, threshold)
            print(f"{args.dataset} scale={scale:g} C={c:g} class_weight={weight} threshold={threshold:g}: "
                  + ", ".join(f"{k} {100 * v:.1f}" for k, v in result.items())
                  + f" (fit {seconds:.0f} s, {model.n_iter_[0]} iterations)", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
