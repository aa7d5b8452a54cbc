"""Writing fine-tuned weights as a low-rank difference from the installed model (the reader, ``apply_delta``, is
in ``actions.emotion.weight_delta``, which the scorer loads at run time)."""
from __future__ import annotations

from pathlib import Path

from actions.emotion.weight_delta import DOWN, UP


def low_rank_delta(tuned: dict, base: dict, rank: int) -> dict:
    """Tensors to save: rank-``rank`` factors of each changed matrix, changed vectors whole."""
    import torch

    out = {}
    for name, weight in tuned.items():
        weight = weight.float()
        reference = base[name].float()
        if torch.equal(weight, reference):
            continue
        if weight.ndim != 2:
            out[name] = weight.half()
            continue
        u, s, vh = torch.linalg.svd(weight - reference, full_matrices=False)
        root = s[:rank].sqrt()
        out[name + UP] = (u[:, :rank] * root).half().contiguous()
        out[name + DOWN] = (root[:, None] * vh[:rank]).half().contiguous()
    return out


def save_delta(tensors: dict, path: Path) -> None:
    from safetensors.torch import save_file

    path.parent.mkdir(parents=True, exist_ok=True)
    save_file({k: v.contiguous() for k, v in sorted(tensors.items())}, str(path))
