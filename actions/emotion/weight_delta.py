"""Fine-tuned transformer weights stored as a small difference from the installed all-MiniLM-L6-v2.

Fine-tuning all six layers changes ~10.6 M weights (21 MB in float16): too big to commit. The change itself is
close to low rank, so each fine-tuned matrix is stored as ``W_tuned - W_base ~= up @ down`` (truncated SVD,
``rank`` columns), and vectors (biases, LayerNorm) are stored whole (``training.weight_delta`` writes the files).
``apply_delta`` rebuilds the weights over the installed model; nothing is downloaded.

File layout (safetensors, float16): ``<name>.delta_up`` (out x r) and ``<name>.delta_down`` (r x in) for a
matrix, ``<name>`` for a vector, with names as in the full model (``encoder.layer.3.attention.self.query.weight``).
"""
from __future__ import annotations

from pathlib import Path

UP, DOWN = ".delta_up", ".delta_down"


def rebuilt_state(tensors: dict, base: dict) -> dict:
    """Full float32 tensors for every name the delta touches."""
    state = {}
    for name, tensor in tensors.items():
        if name.endswith(UP):
            weight = name[: -len(UP)]
            state[weight] = base[weight].float() + tensor.float() @ tensors[weight + DOWN].float()
        elif not name.endswith(DOWN):
            state[name] = tensor.float()
    return state


def apply_delta(model, path: Path) -> None:
    """Put the fine-tuned weights of ``path`` over ``model`` (a BertModel) in place."""
    from safetensors.torch import load_file

    base = model.state_dict()
    tensors = load_file(str(path))
    unknown = sorted({n.removesuffix(UP).removesuffix(DOWN) for n in tensors} - set(base))
    if unknown:
        raise ValueError(f"{path}: weights the model does not have: {unknown[:3]}")
    model.load_state_dict(rebuilt_state(tensors, base), strict=False)
