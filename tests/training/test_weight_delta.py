"""Fine-tuned weights stored as a low-rank difference from the installed model rebuild what was trained."""
from __future__ import annotations

from pathlib import Path

import pytest
import torch

from actions.emotion.weight_delta import DOWN, UP, apply_delta, rebuilt_state
from training.weight_delta import low_rank_delta, save_delta


def _base_and_tuned() -> tuple[dict, dict]:
    generator = torch.Generator().manual_seed(7)
    base = {"layer.weight": torch.randn(12, 8, generator=generator), "layer.bias": torch.randn(12, generator=generator),
            "other.weight": torch.randn(4, 4, generator=generator)}
    change = torch.randn(12, 2, generator=generator) @ torch.randn(2, 8, generator=generator) * 0.1
    tuned = {"layer.weight": base["layer.weight"] + change, "layer.bias": base["layer.bias"] + 0.5,
             "other.weight": base["other.weight"].clone()}
    return base, tuned


def test_a_rank_two_change_is_rebuilt_from_rank_two_factors() -> None:
    base, tuned = _base_and_tuned()
    delta = low_rank_delta(tuned, base, rank=2)
    assert set(delta) == {"layer.weight" + UP, "layer.weight" + DOWN, "layer.bias"}  # unchanged tensors left out
    assert delta["layer.weight" + UP].shape == (12, 2) and delta["layer.weight" + DOWN].shape == (2, 8)
    rebuilt = rebuilt_state(delta, base)
    torch.testing.assert_close(rebuilt["layer.weight"], tuned["layer.weight"], atol=2e-3, rtol=0)
    torch.testing.assert_close(rebuilt["layer.bias"], tuned["layer.bias"], atol=2e-3, rtol=0)


def test_a_lower_rank_loses_part_of_the_change() -> None:
    base, tuned = _base_and_tuned()
    rebuilt = rebuilt_state(low_rank_delta(tuned, base, rank=1), base)
    error = (rebuilt["layer.weight"] - tuned["layer.weight"]).abs().max().item()
    assert error > 1e-2


def test_apply_delta_puts_the_weights_over_a_model_and_rejects_unknown_names(tmp_path: Path) -> None:
    model = torch.nn.Linear(8, 12)
    base = {"weight": model.weight.detach().clone(), "bias": model.bias.detach().clone()}
    tuned = {"weight": base["weight"] + torch.outer(torch.ones(12), torch.linspace(0, 1, 8)), "bias": base["bias"]}
    save_delta(low_rank_delta(tuned, base, rank=1), tmp_path / "delta.safetensors")
    apply_delta(model, tmp_path / "delta.safetensors")
    torch.testing.assert_close(model.weight.detach(), tuned["weight"], atol=2e-3, rtol=0)
    save_delta({"missing.weight": torch.zeros(2, dtype=torch.float16)}, tmp_path / "bad.safetensors")
    with pytest.raises(ValueError, match="missing.weight"):
        apply_delta(model, tmp_path / "bad.safetensors")
