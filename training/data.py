"""GoEmotions (train/dev TSVs plus the authors' groupings) and EmoBank loading, for training and benchmarks."""
from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class Split:
    texts: list[str]
    labels: list[list[int]]  # indexes into GoEmotions.names

    def __len__(self) -> int:
        return len(self.texts)

    def soft_targets(self, n_labels: int) -> np.ndarray:
        """Each row spreads probability 1 evenly over the comment's labels (a few have 2-3)."""
        y = np.zeros((len(self), n_labels), dtype=np.float32)
        for i, labels in enumerate(self.labels):
            y[i, labels] = 1.0 / len(labels)
        return y

    def subset(self, index: np.ndarray) -> "Split":
        return Split([self.texts[i] for i in index], [self.labels[i] for i in index])


@dataclass(frozen=True)
class GoEmotions:
    names: list[str]
    ekman: dict[str, list[str]]
    sentiment: dict[str, list[str]]
    train: Split
    dev: Split


def _read_split(path: Path, n_labels: int) -> Split:
    texts, labels = [], []
    with path.open(encoding="utf-8", newline="") as handle:
        for row_number, row in enumerate(csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE), 1):
            if len(row) < 2:
                raise ValueError(f"{path}:{row_number}: expected text<TAB>labels<TAB>id")
            ids = [int(x) for x in row[1].split(",") if x.strip()]
            if not ids or any(not 0 <= x < n_labels for x in ids):
                raise ValueError(f"{path}:{row_number}: bad label ids {row[1]!r}")
            texts.append(row[0])
            labels.append(ids)
    return Split(texts, labels)


def load_goemotions(data_dir: Path | str) -> GoEmotions:
    data_dir = Path(data_dir)
    missing = [f for f in ("train.tsv", "dev.tsv", "emotions.txt", "ekman_mapping.json", "sentiment_dict.json")
               if not (data_dir / f).is_file()]
    if missing:
        raise FileNotFoundError(f"{data_dir} lacks {', '.join(missing)} (expected the GoEmotions files)")
    names = [line.strip() for line in (data_dir / "emotions.txt").read_text().splitlines() if line.strip()]
    return GoEmotions(
        names=names,
        ekman=json.loads((data_dir / "ekman_mapping.json").read_text()),
        sentiment=json.loads((data_dir / "sentiment_dict.json").read_text()),
        train=_read_split(data_dir / "train.tsv", len(names)),
        dev=_read_split(data_dir / "dev.tsv", len(names)),
    )


@dataclass(frozen=True)
class EmoBank:
    """EmoBank sentences with their mean human ratings (1..5) for valence and arousal (dominance unused)."""

    texts: list[str]
    ratings: np.ndarray  # (rows, 2): valence, arousal

    def __len__(self) -> int:
        return len(self.texts)

    def subset(self, index: np.ndarray) -> "EmoBank":
        return EmoBank([self.texts[i] for i in index], self.ratings[np.asarray(index, dtype=int)])


def load_emobank(path: Path | str) -> EmoBank:
    """One split of EmoBank (``id,V,A,D,text`` CSV, as in ../shared/data/emobank)."""
    path = Path(path)
    texts, ratings = [], []
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = {"V", "A", "text"} - set(reader.fieldnames or ())
        if missing:
            raise ValueError(f"{path}: missing columns {sorted(missing)} (expected id,V,A,D,text)")
        for row_number, row in enumerate(reader, 2):
            valence, arousal = float(row["V"]), float(row["A"])
            if not (1.0 <= valence <= 5.0 and 1.0 <= arousal <= 5.0):
                raise ValueError(f"{path}:{row_number}: ratings outside 1..5")
            texts.append(row["text"])
            ratings.append((valence, arousal))
    return EmoBank(texts, np.array(ratings, dtype=np.float32).reshape(-1, 2))
