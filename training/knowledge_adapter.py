"""Training the knowledge base's linear adapter (``actions/knowledge/adapter.py``) from the content itself:

    .venv/bin/python -m training.knowledge_adapter      # encodes the wordings once (~1 min on 2 cores), trains (~s)

Every wording (an entry's question and paraphrases) is a query; the candidates are all the index's rows (every
wording and answer) but the query's own. An entry's score is the cosine of its closest row, as the retriever
ranks them, both sides mapped through W = I + D; the loss is the cross-entropy of the query's entry among all the
entries (every other entry is a negative, not only those in a batch) plus ``penalty`` x |D|^2, which keeps W near
identity so the adapted cosines stay on the scale the thresholds were chosen on. Nothing is downloaded; torch is
only needed here (the runtime applies W with numpy).
"""
from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import List, Sequence

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from actions.knowledge import content  # noqa: E402
from actions.knowledge.adapter import ADAPTER_FILE, Adapter, fingerprint  # noqa: E402


@dataclass(frozen=True)
class Recipe:
    """Chosen by entry-paraphrase cross-validation (bench/knowledge_adapter.py; docs/benchmarks.md, session 8)."""
    penalty: float = 0.05
    scale: float = 20.0       # the softmax's inverse temperature over cosines
    steps: int = 200
    batch: int = 128
    learning_rate: float = 3e-3
    seed: int = 13
    # Off-topic texts (BANKING77 train, not CLINC150, on which the thresholds are chosen) are taught to stay below
    # this cosine of every entry, and wordings to reach it: a "no entry" class whose logit is scale x floor.
    floor: float = 0.64
    negatives: int = 0        # how many off-topic texts per step (0: none)
    # Customers ask inside a story: each training query gets up to this much of a random off-topic vector added
    # (uniform 0-mix) before W, so the adapter learns to look past the rest of a long message (0: off).
    mix: float = 0.0


def fit(rows: np.ndarray, row_entry: Sequence[int], queries: Sequence[int], recipe: Recipe = Recipe(),
        off_topic: np.ndarray = None) -> np.ndarray:
    """W (d x d) from the index rows (unit vectors), each row's entry number, which rows are queries, and optionally
    off-topic vectors (used when ``recipe.negatives``)."""
    import torch

    torch.set_num_threads(1)  # two threads on the 2 shared cores were ~10x slower (contention), not faster
    torch.manual_seed(recipe.seed)
    generator = np.random.default_rng(recipe.seed)
    row_entry = np.asarray(row_entry)
    entries = int(row_entry.max()) + 1
    members = [np.nonzero(row_entry == e)[0] for e in range(entries)]
    width = max(len(m) for m in members)
    # padded (entries x width) row numbers; padding points at row 0 and is masked out
    padded = np.zeros((entries, width), dtype=np.int64)
    pad_mask = np.ones((entries, width), dtype=bool)
    for e, m in enumerate(members):
        padded[e, :len(m)], pad_mask[e, :len(m)] = m, False
    R = torch.tensor(np.asarray(rows, dtype=np.float32))
    padded_t, pad_t = torch.tensor(padded), torch.tensor(pad_mask)
    # where each row sits in the padded layout, to mask a query's own row
    slot = np.zeros(len(row_entry), dtype=np.int64)
    for e, m in enumerate(members):
        slot[m] = np.arange(len(m))
    grouped_raw = R[padded_t]  # constant: the rows in the padded layout, mapped each step
    queries = np.asarray(queries)
    dimension = R.shape[1]
    difference = torch.zeros(dimension, dimension, requires_grad=True)
    eye = torch.eye(dimension)
    optimiser = torch.optim.Adam([difference], lr=recipe.learning_rate)
    use_off_topic = recipe.negatives > 0 and off_topic is not None and len(off_topic) >= recipe.negatives
    off_topic_t = torch.tensor(np.asarray(off_topic, dtype=np.float32)) if use_off_topic else None
    for _ in range(recipe.steps):
        batch = generator.choice(queries, size=min(recipe.batch, len(queries)), replace=False)
        W = eye + difference
        grouped = torch.nn.functional.normalize(grouped_raw @ W, dim=2)   # entries x width x d
        raw = R[torch.tensor(batch)]
        if use_off_topic and recipe.mix > 0:
            story = off_topic_t[torch.tensor(generator.choice(len(off_topic_t), size=len(batch)))]
            amount = torch.tensor(generator.uniform(0, recipe.mix, size=(len(batch), 1)), dtype=torch.float32)
            raw = raw + amount * story
        q = torch.nn.functional.normalize(raw @ W, dim=1)
        per_row = torch.einsum("bd,ewd->bew", q, grouped)                  # batch x entries x width
        mask = pad_t.unsqueeze(0).repeat(len(batch), 1, 1)
        mask[torch.arange(len(batch)), torch.tensor(row_entry[batch]), torch.tensor(slot[batch])] = True
        logits = recipe.scale * per_row.masked_fill(mask, -2.0).amax(dim=2)  # never the query itself
        if use_off_topic:
            none = torch.full((len(batch), 1), recipe.scale * recipe.floor)
            loss = torch.nn.functional.cross_entropy(torch.cat([logits, none], 1), torch.tensor(row_entry[batch]))
            picked = torch.tensor(generator.choice(len(off_topic_t), size=recipe.negatives, replace=False))
            n = torch.nn.functional.normalize(off_topic_t[picked] @ W, dim=1)
            off_logits = recipe.scale * torch.einsum("bd,ewd->bew", n, grouped).masked_fill(pad_t, -2.0).amax(dim=2)
            none_n = torch.full((recipe.negatives, 1), recipe.scale * recipe.floor)
            loss = loss + torch.nn.functional.cross_entropy(torch.cat([off_logits, none_n], 1),
                                                            torch.full((recipe.negatives,), entries))
        else:
            loss = torch.nn.functional.cross_entropy(logits, torch.tensor(row_entry[batch]))
        loss = loss + recipe.penalty * (difference ** 2).sum()
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    return (eye + difference).detach().numpy()


def training_rows(kb: content.KnowledgeBase, held_out=lambda entry_id, text: False):
    """Index rows (texts), their entry numbers, and which rows are queries (wordings, not answers)."""
    texts, owners, is_query = [], [], []
    for number, entry in enumerate(kb.entries):
        for text in entry.index_texts():
            if held_out(entry.id, text):
                continue
            texts.append(text)
            owners.append(number)
            is_query.append(text != entry.answer)
    return texts, np.array(owners), np.nonzero(is_query)[0]


BANKING77 = Path("/work/shared/data/banking77/train.csv")


def off_topic_texts(limit: int = 2000, seed: int = 13) -> List[str]:
    """BANKING77 training questions (a bank's customers: cards, transfers, top-ups), a fixed sample."""
    import csv
    import random

    path = ROOT.parent.parent / "shared" / "data" / "banking77" / "train.csv"
    path = path if path.exists() else BANKING77
    with path.open(encoding="utf-8") as handle:
        texts = [row["text"] for row in csv.DictReader(handle)]
    random.Random(seed).shuffle(texts)
    return texts[:limit]


def train(kb: content.KnowledgeBase, encode, recipe: Recipe = Recipe()) -> Adapter:
    texts, owners, queries = training_rows(kb)
    off_topic = encode(off_topic_texts()) if recipe.negatives else None
    matrix = fit(encode(texts), owners, queries, recipe, off_topic)
    return Adapter(matrix, fingerprint(kb))


def main(argv: List[str] = None) -> int:
    from rasa_addons import settings as rasa_settings
    from rasa_addons.sentence_encoder import SentenceEncoder

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ADAPTER_FILE)
    args = parser.parse_args(argv)
    kb = content.load()
    started = time.perf_counter()
    adapter = train(kb, SentenceEncoder(rasa_settings.NLU_ENCODER_DIR).encode)
    adapter.save(args.out)
    print(f"knowledge adapter for content {adapter.trained_on} written to {args.out} "
          f"in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
