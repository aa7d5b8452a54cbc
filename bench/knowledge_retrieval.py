"""Knowledge-base retrieval: does the right vetted answer come back, and does the bot stay quiet when no
entry answers the question?

- Held-out paraphrases: every wording of every entry is taken out of the index in turn and asked
  (leave-one-out), so a question is never matched against itself.
- Off-topic: CLINC150 out-of-scope examples plus in-scope questions of domains an insurer does not
  serve (banking, cooking, small talk…; the few intents an insurer does answer, such as lost luggage
  or insurance changes, are left out). The thresholds are chosen on CLINC150 train (``--sweep``) and
  reported on CLINC150 val.
- Customer questions written for this benchmark (bench/data/knowledge_questions.yml), never indexed
  and not used to choose anything.
- Latency: encoding one message (the cost Rasa already pays for intent features; the retriever reuses
  that embedding) and searching the index.

    .venv/bin/python bench/knowledge_retrieval.py [--sweep]
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import random
import statistics
from collections import Counter
import sys
import time
from pathlib import Path
from typing import Dict, List, Tuple

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from actions.knowledge import content  # noqa: E402
from actions.knowledge.matching import Index, Match, RetrievalSettings, decide, personal_action  # noqa: E402
from rasa_addons import settings as rasa_settings  # noqa: E402
from rasa_addons.sentence_encoder import SentenceEncoder  # noqa: E402

CLINC = ROOT.parent.parent / "shared" / "data" / "clinc150"
CLINC = CLINC if CLINC.exists() else Path("/work/shared/data/clinc150")
# CLINC150 intents an insurer's assistant may rightly answer: not counted as off-topic.
INSURER_INTENTS = {"insurance", "insurance_change", "lost_luggage", "travel_alert", "report_fraud", "pay_bill",
                   "bill_due", "international_visa"}
QUESTIONS = ROOT / "bench" / "data" / "knowledge_questions.yml"


def off_topic(split: str, in_scope_sample: int, seed: int = 7) -> List[str]:
    rows = [json.loads(line) for line in (CLINC / f"{split}.jsonl").read_text(encoding="utf-8").splitlines()]
    oos = [row["text"] for row in rows if row["intent"] == "oos"]
    others = [row["text"] for row in rows if row["intent"] not in INSURER_INTENTS | {"oos"}]
    random.Random(seed).shuffle(others)
    return oos + others[:in_scope_sample]


def leave_one_out(vectors: np.ndarray, owners: List[str], is_answer: List[bool],
                  k: int) -> List[Tuple[str, List[Match]]]:
    """For each wording (not the answers): the ranking from an index without that wording."""
    results = []
    for row, owner in enumerate(owners):
        if is_answer[row]:
            continue
        keep = np.ones(len(owners), dtype=bool)
        keep[row] = False
        index = Index([o for o, kept in zip(owners, keep) if kept], vectors[keep])
        results.append((owner, index.search(vectors[row], k)))
    return results


def rates(held_out: List[Tuple[str, List[Match]]], negatives: List[List[Match]],
          settings: RetrievalSettings) -> Dict[str, float]:
    """Shares of held-out wordings answered with the right / a wrong entry or clarified (the right entry
    among the two offered counts as right), and of off-topic questions answered or clarified."""
    outcomes = Counter()
    for expected, matches in held_out:
        decision = decide(matches, settings)
        if decision.outcome == "answer":
            outcomes["right" if decision.best.entry_id == expected else "wrong"] += 1
        elif decision.outcome == "clarify":
            offered = {decision.best.entry_id, decision.runner_up.entry_id}
            outcomes["clarified_right" if expected in offered else "clarified_wrong"] += 1
    negative = Counter(decide(matches, settings).outcome for matches in negatives)
    result = {key: outcomes[key] / len(held_out) for key in ("right", "wrong", "clarified_right", "clarified_wrong")}
    result["off_topic_answered"] = negative["answer"] / len(negatives)
    result["off_topic_clarified"] = negative["clarify"] / len(negatives)
    return result


def sweep(held_out, negatives, base: RetrievalSettings) -> None:
    print("threshold margin sure | held-out right wrong clarified(right) | off-topic answered clarified")
    for threshold in np.arange(0.56, 0.73, 0.02):
        for margin in (0.0, 0.02, 0.04, 0.06):
            for sure in (0.80, 0.85):
                trial = dataclasses.replace(base, answer_threshold=float(threshold), margin=margin, sure_score=sure)
                r = rates(held_out, negatives, trial)
                print(f"{threshold:.2f} {margin:.2f} {sure:.2f} | {r['right']:.3f} {r['wrong']:.3f} "
                      f"{r['clarified_right'] + r['clarified_wrong']:.3f}({r['clarified_right']:.3f}) | "
                      f"{r['off_topic_answered']:.4f} {r['off_topic_clarified']:.4f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sweep", action="store_true", help="print the threshold sweep on CLINC150 train")
    args = parser.parse_args()
    kb = content.load()
    settings = RetrievalSettings.from_file()
    encoder = SentenceEncoder(rasa_settings.NLU_ENCODER_DIR)
    owners = [entry.id for entry in kb.entries for _ in entry.index_texts()]
    texts = [text for entry in kb.entries for text in entry.index_texts()]
    is_answer = [text == entry.answer for entry in kb.entries for text in entry.index_texts()]
    wordings = [text for text, answer in zip(texts, is_answer) if not answer]
    vectors = encoder.encode(texts)
    held_out = leave_one_out(vectors, owners, is_answer, settings.top_k)
    full = Index(owners, vectors)
    top1 = sum(matches[0].entry_id == expected for expected, matches in held_out) / len(held_out)
    print(f"knowledge base: {len(kb.entries)} entries, {len(wordings)} wordings")
    print(f"held-out wordings (leave-one-out): top-1 {top1:.3f} (n={len(held_out)})")

    split = "train" if args.sweep else "val"
    negatives_text = off_topic(split, in_scope_sample=1500)
    negatives = [full.search(vector, settings.top_k) for vector in encoder.encode(negatives_text)]
    if args.sweep:
        sweep(held_out, negatives, settings)
        return
    r = rates(held_out, negatives, settings)
    print(f"settings: threshold {settings.answer_threshold}, margin {settings.margin}, sure {settings.sure_score}")
    print(f"held-out wordings: answered right {r['right']:.3f}, wrong entry {r['wrong']:.3f}; clarified "
          f"{r['clarified_right'] + r['clarified_wrong']:.3f} (right entry offered {r['clarified_right']:.3f}); "
          f"not answered {1 - sum(r[k] for k in ('right', 'wrong', 'clarified_right', 'clarified_wrong')):.3f}")
    print(f"CLINC150 val off-topic (n={len(negatives)}): answered {r['off_topic_answered']:.4f}, "
          f"clarified {r['off_topic_clarified']:.4f}")
    worst = sorted(((m[0].score, text, m[0].entry_id) for text, m in zip(negatives_text, negatives)
                    if decide(m, settings).outcome != "none"), reverse=True)[:5]
    for score, text, entry_id in worst:
        print(f"  off-topic matched {score:.3f} {entry_id}: {text}")

    questions = yaml.safe_load(QUESTIONS.read_text(encoding="utf-8"))["questions"]
    decisions = [decide(full.search(v, settings.top_k), settings)
                 for v in encoder.encode([q["text"] for q in questions])]
    tally = Counter()
    for question, decision in zip(questions, decisions):
        expected = question["expect"]
        offered = [m.entry_id for m in (decision.best, decision.runner_up) if m is not None]
        if personal_action(question["text"], settings):
            verdict = "personal_ok" if expected == "none" else "personal_wrong"  # their own policy's figures
        elif expected == "none":
            verdict = "none_ok" if decision.outcome == "none" else f"none_{decision.outcome}"
        elif decision.outcome == "none":
            verdict = "not_answered"
        else:
            verdict = f"{decision.outcome}_{'right' if expected in offered[:1 if decision.outcome == 'answer' else 2] else 'wrong'}"
        tally[verdict] += 1
        if verdict not in ("answer_right", "none_ok", "clarify_right", "personal_ok"):
            print(f"  customer question {verdict}: {question['text']!r} expected {expected}, got "
                  f"{decision.outcome} {offered}")
    print(f"customer questions (n={len(questions)}): {dict(sorted(tally.items()))}")

    encode_ms, search_ms = [], []
    sample = [q["text"] for q in questions] * 4
    for text in sample:
        start = time.perf_counter()
        vector = encoder.encode([text])[0]
        middle = time.perf_counter()
        full.search(vector, settings.top_k)
        end = time.perf_counter()
        encode_ms.append((middle - start) * 1000)
        search_ms.append((end - middle) * 1000)
    print(f"latency per message (n={len(sample)}, 1 thread): encode median {statistics.median(encode_ms):.1f} ms, "
          f"p95 {sorted(encode_ms)[int(0.95 * len(encode_ms))]:.1f} ms; search median "
          f"{statistics.median(search_ms):.3f} ms, p95 {sorted(search_ms)[int(0.95 * len(search_ms))]:.3f} ms")


if __name__ == "__main__":
    main()
