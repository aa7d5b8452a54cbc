"""Trains the risk reader by meaning (actions/emotion/meaning.py) on the exemplars:

    .venv/bin/python -m training.risk_meaning [--data ../shared/data] [--folds 5] [--no-write]

Training is a tool, not runtime. Inputs:
- ``actions/emotion/risk_exemplars.yml``: hand-written sentences per category (self_harm, threat, danger_now,
  low_mood) and hard negatives by kind; any overlap with ``bench/data/*.jsonl`` stops the run;
- background negatives: a fixed sample of GoEmotions *train* comments and CLINC150 *train* queries (everyday
  chatter and requests; the benches measure GoEmotions *dev* and BANKING77, never trained on). Background texts
  the pattern reader finds any risk words in are left out (they may be real disclosures).
Features are exactly the scorer's (``Embedder``: the same encoder pass). The model is a multinomial logistic
regression over the standardised features (standardisation folded into the weights); thresholds come from
out-of-fold probabilities of a stratified k-fold cross-validation on these exemplars only (``choose_thresholds``),
and are written with their reasons into ``actions/emotion/risk_meaning.yml``.
"""
from __future__ import annotations

import argparse
import csv
import glob
import hashlib
import json
import random
import re
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import yaml

from actions.emotion.embedder import Embedder, source_fingerprint
from actions.emotion.meaning import (CLASSES, columns, EXEMPLARS_FILE, MODEL_FILE, NEGATIVE, RISK_CLASSES, SETTINGS_FILE,
                                     LOW_MOOD, sentence_block)
from actions.emotion.risk import active_risk, discount_meaning, read_risk

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "var" / "risk_meaning"
REPORT_FILE = MODEL_FILE.with_suffix(".json")
SEED = 13
GOEMOTIONS_SAMPLE = 4000
CLINC_SAMPLE = 2000
# Largest out-of-fold false-alarm rates the thresholds may allow (on hard negatives: added to the patterns') (issue #17: a false "call 999" is the second
# worst failure; the product target is <= 0.1 % at_risk on routine text).
MAX_BACKGROUND_FALSE_RISK = 0.001
# Hard negatives are near misses written to be hard (a joke with "kill", a calm past overdose), not a sample of
# traffic: at 2 % the out-of-fold recall fell to 0.62 (threshold 0.98); 4 % keeps it at 0.75 (2026-12-02 run).
MAX_HARD_NEGATIVE_FALSE_RISK = 0.04
# A check-in asked of an angry customer ("I'm fuming… is something going on?") grates: at 2 % the threshold fell
# to the grid's floor and complaints got check-ins on the band set's tune split.
MAX_FALSE_LOW_MOOD = 0.005
# Everyday requests must not be met with "is something going on?": at 0.35 (the limit above alone) 0.7 % of
# BANKING77 requests got a check-in by meaning (bench/risk_meaning.py, 2026-12-02); held as for at_risk.
MAX_BACKGROUND_FALSE_CHECK_IN = 0.001
# Compared on 2026-12-02 (out-of-fold, at the threshold where background false alarms reach 0.1 %): blocks (6,)
# recall 0.27, (0, 6) 0.75, (0, 3, 6) 0.75 with fewer hard-negative false alarms; C 0.01-0.1 within 0.02.
PENALTIES = (0.03,)
# Which mean-pooled layers the classifier reads (embedding.py: 0 = embedding layer, 6 = the sentence embedding).
BLOCK_CHOICES = ((0, 3, 6),)
GRID = [round(0.30 + 0.01 * i, 2) for i in range(70)]


def load_exemplars(path: Path = EXEMPLARS_FILE) -> tuple[list[str], list[str], list[str]]:
    """(texts, class names, kind) — kind is the negative's kind, or the class for positives."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    texts, labels, kinds = [], [], []
    for name in CLASSES:
        if name == NEGATIVE:
            for kind, items in data[NEGATIVE].items():
                texts += items
                labels += [NEGATIVE] * len(items)
                kinds += [kind] * len(items)
        else:
            texts += data[name]
            labels += [name] * len(data[name])
            kinds += [name] * len(data[name])
    return texts, labels, kinds


# Word overlap (Jaccard of the word sets) from which an exemplar counts as a near copy of a held-out bench message.
# At 0.6 the exemplars of 2026-12-02 had 3 near copies of frozen messages (reworded copies, since removed) and none
# of the probe set; unrelated sentences on the same topic stay under 0.45.
NEAR_COPY = 0.6


def _words(text: str) -> frozenset[str]:
    return frozenset(re.findall(r"[a-z0-9']+", text.lower()))


def held_out(row: dict) -> bool:
    """Messages no exemplar may copy even loosely: a set's frozen split, and sets without splits (the probe set)."""
    return row.get("split", "frozen") != "tune"


def near_copies(texts: list[str], bench_rows: list[dict]) -> list[int]:
    """Indices of exemplars whose words overlap a held-out bench message by NEAR_COPY or more."""
    held = [words for row in bench_rows if held_out(row) for words in [_words(row["text"])] if words]
    found = []
    for i, text in enumerate(texts):
        mine = _words(text)
        if mine and any(len(mine & other) / len(mine | other) >= NEAR_COPY for other in held):
            found.append(i)
    return found


def bench_messages() -> list[dict]:
    rows = []
    for path in glob.glob(str(ROOT / "bench" / "data" / "*.jsonl")):
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            try:
                row = json.loads(line)
            except ValueError:
                continue
            for key in ("text", "message"):
                if isinstance(row.get(key), str):
                    rows.append({"text": row[key], "split": row.get("split")} if row.get("split") else {"text": row[key]})
    return rows


def check_not_from_bench(texts: list[str]) -> None:
    rows = bench_messages()
    bench = {row["text"].strip().lower() for row in rows}
    copied = sum(text.strip().lower() in bench for text in texts)
    if copied:
        raise SystemExit(f"{copied} exemplar(s) are bench messages: write new ones (the benches must stay unseen)")
    # Held-out messages (frozen splits, the probe set) must not be reworded into exemplars either. The count only:
    # the messages themselves are not to be read.
    near = near_copies(texts, rows)
    if near:
        raise SystemExit(f"{len(near)} exemplar(s) are near copies of held-out bench messages (exemplar lines: "
                         f"{[texts[i][:40] for i in near]}): write new ones")


def background(data_dir: Path) -> list[str]:
    rng = random.Random(SEED)
    with open(data_dir / "goemotions" / "train.tsv", encoding="utf-8") as f:
        comments = [row[0] for row in csv.reader(f, delimiter="\t") if row]
    with open(data_dir / "clinc150" / "train.jsonl", encoding="utf-8") as f:
        queries = [json.loads(line)["text"] for line in f if line.strip()]
    sample = rng.sample(comments, GOEMOTIONS_SAMPLE) + rng.sample(queries, CLINC_SAMPLE)
    return [text for text in sample if not read_risk(text)]


def embed(texts: list[str], embedder: Embedder) -> np.ndarray:
    key = hashlib.sha256(json.dumps([texts, source_fingerprint()], sort_keys=True).encode()).hexdigest()[:16]
    path = CACHE / f"features-{key}.npy"
    if path.is_file():
        return np.load(path)
    features = embedder.embed(texts, batch_size=64)
    CACHE.mkdir(parents=True, exist_ok=True)
    np.save(path, features)
    return features


def fit(x: np.ndarray, y: np.ndarray, penalty: float) -> tuple[np.ndarray, np.ndarray]:
    """Multinomial logistic regression on standardised features; returns weights and bias on raw features."""
    from sklearn.linear_model import LogisticRegression

    mean, std = x.mean(0), x.std(0) + 1e-6
    weights = np.bincount(y, minlength=len(CLASSES)).astype(np.float64)
    sample_weight = (len(y) / (len(CLASSES) * weights))[y]
    model = LogisticRegression(C=penalty, max_iter=1000)
    model.fit((x - mean) / std, y, sample_weight=sample_weight)
    w = (model.coef_ / std).T.astype(np.float32)
    b = (model.intercept_ - (model.coef_ / std) @ mean).astype(np.float32)
    return w, b


def probabilities(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    logits = x @ w + b
    logits -= logits.max(1, keepdims=True)
    e = np.exp(logits)
    return e / e.sum(1, keepdims=True)


def out_of_fold(x: np.ndarray, y: np.ndarray, penalty: float, folds: int) -> np.ndarray:
    from sklearn.model_selection import StratifiedKFold

    oof = np.zeros((len(y), len(CLASSES)), dtype=np.float32)
    for fit_rows, held in StratifiedKFold(folds, shuffle=True, random_state=SEED).split(x, y):
        w, b = fit(x[fit_rows], y[fit_rows], penalty)
        oof[held] = probabilities(x[held], w, b)
    return oof


def in_context(texts: list[str]) -> dict[str, np.ndarray]:
    """What the runtime does around the classifier (risk.read_risk): the patterns' verdict first, and for a
    reading by meaning the message-level discounts per category. Thresholds are chosen on the whole reader."""
    return {"pattern_active": np.array([active_risk(t) is not None for t in texts]),
            "pattern_any": np.array([bool(read_risk(t)) for t in texts]),
            "discounted": np.array([[discount_meaning(t, c) is not None for c in RISK_CLASSES + (LOW_MOOD,)]
                                    for t in texts])}


def meaning_call(p: np.ndarray, threshold: float) -> np.ndarray:
    return p[:, : len(RISK_CLASSES)].sum(1) >= threshold


def risk_call(p: np.ndarray, threshold: float, context: dict[str, np.ndarray]) -> np.ndarray:
    """At risk as the runtime decides it: active risk words, or (no risk words and) the meaning, undiscounted."""
    category = p[:, : len(RISK_CLASSES)].argmax(1)
    discounted = context["discounted"][np.arange(len(p)), category]
    return context["pattern_active"] | (~context["pattern_any"] & meaning_call(p, threshold) & ~discounted)


def added_by_meaning(p: np.ndarray, threshold: float, context: dict[str, np.ndarray]) -> np.ndarray:
    """At risk by meaning where the patterns did not already say so: what the threshold is responsible for."""
    return risk_call(p, threshold, context) & ~context["pattern_active"]


def choose_thresholds(p: np.ndarray, y: np.ndarray, is_background: np.ndarray, context: dict) -> dict:
    """The lowest at-risk threshold whose out-of-fold false alarms (of the whole reader, in context; on hard
    negatives, those the meaning adds to the patterns' own) stay within both limits (recall is what a lower threshold buys); then the lowest low-mood threshold within its limit,
    among messages not at risk."""
    risk_rows = np.isin(y, [CLASSES.index(c) for c in RISK_CLASSES])
    negative = y == CLASSES.index(NEGATIVE)
    hard = negative & ~is_background
    report = {}
    at_risk = next((t for t in GRID if risk_call(p[is_background], t, _rows(context, is_background)).mean()
                    <= MAX_BACKGROUND_FALSE_RISK
                    and added_by_meaning(p[hard], t, _rows(context, hard)).mean() <= MAX_HARD_NEGATIVE_FALSE_RISK),
                   GRID[-1])
    called = risk_call(p, at_risk, context)
    report["at_risk"] = {"threshold": at_risk, "recall": round(float(called[risk_rows].mean()), 4),
                         "recall_meaning_alone": round(float(meaning_call(p, at_risk)[risk_rows].mean()), 4),
                         "recall_patterns_alone": round(float(context["pattern_active"][risk_rows].mean()), 4),
                         "false_alarm_hard_negatives": round(float(called[hard].mean()), 4),
                         "false_alarm_hard_negatives_patterns_alone":
                             round(float(context["pattern_active"][hard].mean()), 4),
                         "false_alarm_background": round(float(called[is_background].mean()), 5)}
    mood = CLASSES.index(LOW_MOOD)
    usable = ~called & ~context["discounted"][:, len(RISK_CLASSES)]
    low_rows = y == mood
    low = next((t for t in GRID if ((p[:, mood] >= t) & usable)[negative].mean() <= MAX_FALSE_LOW_MOOD
                and ((p[:, mood] >= t) & usable)[is_background].mean() <= MAX_BACKGROUND_FALSE_CHECK_IN), GRID[-1])
    check = (p[:, mood] >= low) & usable
    report["low_mood"] = {"threshold": low, "recall": round(float(check[low_rows].mean()), 4),
                          "recall_with_at_risk": round(float((check | called)[low_rows].mean()), 4),
                          "false_check_in_negatives": round(float(check[negative].mean()), 4),
                          "false_check_in_background": round(float(check[is_background].mean()), 5)}
    return report


def _rows(context: dict, rows: np.ndarray) -> dict:
    return {name: values[rows] for name, values in context.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()

    texts, labels, kinds = load_exemplars()
    check_not_from_bench(texts)
    extra = background(args.data)
    all_texts = texts + extra
    y = np.array([CLASSES.index(l) for l in labels] + [CLASSES.index(NEGATIVE)] * len(extra))
    is_background = np.array([False] * len(texts) + [True] * len(extra))
    embedder = Embedder()
    x = np.concatenate([embed(texts, embedder), embed(extra, embedder)])  # two caches: exemplars change often
    print(f"{len(texts)} exemplars, {len(extra)} background texts, {x.shape[1]} features", flush=True)

    context = in_context(all_texts)
    results = {}
    for blocks in BLOCK_CHOICES:
        for penalty in PENALTIES:
            oof = out_of_fold(x[:, columns(blocks)], y, penalty, args.folds)
            results[(blocks, penalty)] = (choose_thresholds(oof, y, is_background, context), oof)
            print(f"blocks={blocks} C={penalty}: {json.dumps(results[(blocks, penalty)][0])}", flush=True)
    # The choice whose thresholds catch most people at risk; then most low mood.
    blocks, penalty = max(results, key=lambda k: (results[k][0]["at_risk"]["recall"], results[k][0]["low_mood"]["recall"]))
    report, oof = results[(blocks, penalty)]
    called = risk_call(oof, report["at_risk"]["threshold"], context)
    by_kind = {}
    for kind in sorted(set(kinds)):
        rows = np.array([k == kind for k in kinds] + [False] * len(extra))
        by_kind[kind] = round(float(called[rows].mean()), 4)
    print(f"chosen blocks={blocks} C={penalty}; out-of-fold at-risk rate by kind: {by_kind}")
    if args.no_write:
        return

    w, b = fit(x[:, columns(blocks)], y, penalty)
    positives = [i for i, label in enumerate(labels) if label != NEGATIVE]
    block = sentence_block(x[positives])
    np.savez_compressed(
        MODEL_FILE, weights=w.astype(np.float16), bias=b, exemplars=block.astype(np.float16),
        exemplar_texts=np.array([texts[i] for i in positives]), exemplar_classes=np.array([labels[i] for i in positives]),
        classes=np.array(CLASSES), blocks=np.array(blocks), fingerprint=np.array(json.dumps(source_fingerprint()["top_layers_sha256"])))
    REPORT_FILE.write_text(json.dumps({
        "trained_at": datetime.now(timezone.utc).strftime("%Y-%m-%d"), "penalty_C": penalty, "blocks": list(blocks), "folds": args.folds,
        "exemplars": len(texts), "background": len(extra), "features": int(x.shape[1]),
        "limits": {"background_false_at_risk": MAX_BACKGROUND_FALSE_RISK,
                   "hard_negative_false_at_risk": MAX_HARD_NEGATIVE_FALSE_RISK, "false_check_in": MAX_FALSE_LOW_MOOD,
                   "background_false_check_in": MAX_BACKGROUND_FALSE_CHECK_IN},
        "cross_validation": report, "out_of_fold_at_risk_by_kind": by_kind,
        "all_choices": {f"blocks={k[0]} C={k[1]}": r for k, (r, _) in results.items()}}, indent=2) + "\n")
    write_thresholds(report["at_risk"]["threshold"], report["low_mood"]["threshold"])
    print(f"wrote {MODEL_FILE.relative_to(ROOT)} ({MODEL_FILE.stat().st_size // 1024} kB), "
          f"{REPORT_FILE.relative_to(ROOT)} and the thresholds in {SETTINGS_FILE.relative_to(ROOT)}")


def write_thresholds(at_risk: float, low_mood: float) -> None:
    """Rewrites only the two threshold values; the file's comments (the reasons) stay as they are."""
    text = SETTINGS_FILE.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^(  at_risk: ).*$", rf"\g<1>{at_risk}", text, count=1)
    text = re.sub(r"(?m)^(  low_mood: ).*$", rf"\g<1>{low_mood}", text, count=1)
    SETTINGS_FILE.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
