"""Evaluation on GoEmotions and EmoBank, shared by training (model selection) and the benches in bench/."""
from __future__ import annotations

import numpy as np
from sklearn.metrics import f1_score, roc_auc_score

from training.data import GoEmotions, Split

SENTIMENT_CLASSES = ("negative", "positive", "other")  # other = neutral or ambiguous only


def negative_gold(data: GoEmotions, split: Split) -> np.ndarray:
    """True where a comment carries at least one negative emotion label."""
    negative = {data.names.index(n) for n in data.sentiment["negative"]}
    return np.array([bool(negative & set(labels)) for labels in split.labels])


def negative_auc(data: GoEmotions, split: Split, scores: np.ndarray) -> float:
    """ROC-AUC of a "how negative" score: negative comments against neutral, positive and ambiguous ones."""
    return float(roc_auc_score(negative_gold(data, split), scores))


def clean_mask(data: GoEmotions, split: Split) -> np.ndarray:
    """Comments whose labels are all negative, or all neutral/positive: leaves out mixed and ambiguous ones
    (surprise, curiosity, confusion, realization) to read "negative vs neutral/positive" literally."""
    negative = {data.names.index(n) for n in data.sentiment["negative"]}
    calm = {data.names.index(n) for n in data.sentiment["positive"]} | {data.names.index("neutral")}
    return np.array([set(labels) <= negative or set(labels) <= calm for labels in split.labels])


def negative_auc_clean(data: GoEmotions, split: Split, scores: np.ndarray) -> float:
    keep = clean_mask(data, split)
    return float(roc_auc_score(negative_gold(data, split)[keep], np.asarray(scores)[keep]))


def _groups(data: GoEmotions, grouping: dict[str, list[str]]) -> list[list[int]]:
    return [[data.names.index(n) for n in members] for members in grouping.values()]


def ekman_macro_f1(data: GoEmotions, split: Split, probs: np.ndarray) -> float:
    """Macro-F1 over Ekman's six groups plus neutral: predict the most likely group (summed label
    probabilities), count it right when the comment has any label of that group."""
    groups = _groups(data, data.ekman) + [[data.names.index("neutral")]]
    group_probs = np.stack([probs[:, g].sum(axis=1) for g in groups], axis=1)
    predicted = np.eye(len(groups), dtype=int)[group_probs.argmax(axis=1)]
    gold = np.array([[int(bool(set(g) & set(labels))) for g in groups] for labels in split.labels])
    return float(f1_score(gold, predicted, average="macro", zero_division=0))


def sentiment_gold(data: GoEmotions, split: Split) -> np.ndarray:
    negative = {data.names.index(n) for n in data.sentiment["negative"]}
    positive = {data.names.index(n) for n in data.sentiment["positive"]}
    rows = []
    for labels in split.labels:
        s = set(labels)
        rows.append([int(bool(s & negative)), int(bool(s & positive)), int(not s & (negative | positive))])
    return np.array(rows)


def sentiment_macro_f1(data: GoEmotions, split: Split, predicted: np.ndarray) -> float:
    """Macro-F1 over negative / positive / other, ``predicted`` holding class indexes (0, 1, 2)."""
    onehot = np.eye(len(SENTIMENT_CLASSES), dtype=int)[np.asarray(predicted)]
    return float(f1_score(sentiment_gold(data, split), onehot, average="macro", zero_division=0))


def head_sentiment_classes(data: GoEmotions, probs: np.ndarray) -> np.ndarray:
    negative = [data.names.index(n) for n in data.sentiment["negative"]]
    positive = [data.names.index(n) for n in data.sentiment["positive"]]
    neg, pos = probs[:, negative].sum(axis=1), probs[:, positive].sum(axis=1)
    return np.stack([neg, pos, 1.0 - neg - pos], axis=1).argmax(axis=1)


def head_report(data: GoEmotions, split: Split, probs: np.ndarray) -> dict[str, float]:
    negative = [data.names.index(n) for n in data.sentiment["negative"]]
    return {
        "negative_auc": round(negative_auc(data, split, probs[:, negative].sum(axis=1)), 4),
        "negative_auc_clean": round(negative_auc_clean(data, split, probs[:, negative].sum(axis=1)), 4),
        "ekman_macro_f1": round(ekman_macro_f1(data, split, probs), 4),
        "sentiment_macro_f1": round(sentiment_macro_f1(data, split, head_sentiment_classes(data, probs)), 4),
    }


def affect_report(ratings: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
    """Pearson r of predicted against human valence and arousal (EmoBank's columns V, A)."""
    from scipy.stats import pearsonr

    ratings, predicted = np.asarray(ratings, dtype=np.float64), np.asarray(predicted, dtype=np.float64)
    return {name: round(float(pearsonr(predicted[:, i], ratings[:, i])[0]), 4)
            for i, name in enumerate(("valence_r", "arousal_r"))}
