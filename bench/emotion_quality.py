"""Quality of the emotion scorer on GoEmotions, beside a VADER lexicon baseline in the same run.

    .venv/bin/python bench/emotion_quality.py --data ../shared/data/goemotions [--json out.json]

Reports on the dev split (used to choose hyper-parameters: optimistic) and on the hold-out slice of
train that training never saw and never chose on (the honest figure). The test split is not used.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from actions.emotion import get_scorer  # noqa: E402
from training.data import load_goemotions  # noqa: E402
from training.metrics import head_report, negative_auc, negative_auc_clean, sentiment_macro_f1  # noqa: E402
from actions.emotion.trajectory import distress  # noqa: E402


def vader_report(data, split) -> dict[str, float]:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyser = SentimentIntensityAnalyzer()
    compound = np.array([analyser.polarity_scores(t)["compound"] for t in split.texts])
    # VADER's documented cut-offs: >= 0.05 positive, <= -0.05 negative, else neutral ("other").
    classes = np.where(compound <= -0.05, 0, np.where(compound >= 0.05, 1, 2))
    return {"negative_auc": round(negative_auc(data, split, -compound), 4),
            "negative_auc_clean": round(negative_auc_clean(data, split, -compound), 4), "ekman_macro_f1": None,
            "sentiment_macro_f1": round(sentiment_macro_f1(data, split, classes), 4)}


def scorer_report(data, split, scorer) -> dict[str, float]:
    scores = scorer.score_many(split.texts, batch_size=64)
    valence = np.array([s["valence"] for s in scores])
    distress_level = np.array([distress(s["intensity"], s["valence"]) for s in scores])
    tones = [s["tone"] for s in scores]
    classes = np.array([0 if t in ("upset", "distressed") else 1 if t == "positive" else 2 for t in tones])
    return {"negative_auc_valence": round(negative_auc(data, split, -valence), 4),
            "negative_auc_valence_clean": round(negative_auc_clean(data, split, -valence), 4),
            "negative_auc_distress": round(negative_auc(data, split, distress_level), 4),
            "tone_sentiment_macro_f1": round(sentiment_macro_f1(data, split, classes), 4)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data/goemotions"))
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    data = load_goemotions(args.data)
    scorer = get_scorer().warm_up()
    meta = scorer.head.meta
    order = np.random.default_rng(meta["split_seed"] if "split_seed" in meta else meta["seed"]).permutation(len(data.train))
    holdout = data.train.subset(np.sort(order[: int(round(len(order) * meta["holdout_fraction"]))]))
    results = {"backend": scorer.backend, "splits": {}}
    for name, split in (("dev", data.dev), ("holdout", holdout)):
        started = time.perf_counter()
        features = scorer.embedder.embed(split.texts)
        results["splits"][name] = {
            "rows": len(split),
            "head": head_report(data, split, scorer.head.predict(features)),
            "scorer": scorer_report(data, split, scorer),
            "vader": vader_report(data, split),
            "seconds": round(time.perf_counter() - started, 1),
        }
    print(json.dumps(results, indent=2))
    print()
    print("| split | rows | head neg-AUC (all / clean) | scorer neg-AUC valence (all / clean) "
          "| scorer neg-AUC distress | VADER neg-AUC (all / clean) "
          "| head Ekman macro-F1 | head sentiment macro-F1 | tone sentiment macro-F1 | VADER sentiment macro-F1 |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name, r in results["splits"].items():
        print(f"| {name} | {r['rows']} | {r['head']['negative_auc']} / {r['head']['negative_auc_clean']} "
              f"| {r['scorer']['negative_auc_valence']} / {r['scorer']['negative_auc_valence_clean']} "
              f"| {r['scorer']['negative_auc_distress']} "
              f"| {r['vader']['negative_auc']} / {r['vader']['negative_auc_clean']} "
              f"| {r['head']['ekman_macro_f1']} | {r['head']['sentiment_macro_f1']} "
              f"| {r['scorer']['tone_sentiment_macro_f1']} | {r['vader']['sentiment_macro_f1']} |")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
