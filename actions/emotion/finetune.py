"""Partial fine-tuning of all-MiniLM-L6-v2 (an experiment; the shipped model is still the frozen one):
the lower layers stay frozen (their outputs are cached once in ``var/emotion/cache``), the top ``TRAINABLE``
transformer layers and the MLP head are trained together on GoEmotions, with an optional auxiliary
"negative vs rest" loss on the summed negative-label probability.

    .venv/bin/python -m actions.emotion.finetune --data ../shared/data/goemotions   # ~25 min on 2 shared cores

The head sees the same features as the shipped one (mean-pooled hidden states of the embedding layer and all
6 layers), so ``head.py`` and the scorer need no change to use it: copying ``top_layers.safetensors`` (float16,
~7 MB) and ``head.*`` from the output folder into ``model/`` makes ``load_bert`` put the fine-tuned layers over
the installed ones and ``prepare`` re-export the ONNX model (its fingerprint includes the file's hash).
Results so far: MODEL_CARD.md, "Known limits".
"""
from __future__ import annotations

import copy
import hashlib
import time
from pathlib import Path

import numpy as np

from actions.emotion.embedder import MAX_TOKENS, Tokenizer, load_bert

TRAINABLE = 2  # top transformer layers that are fine-tuned
N_LAYERS = 6
HIDDEN = 384


def cached_states(texts: list[str], cache_dir: Path, frozen: int = N_LAYERS - TRAINABLE) -> dict[str, np.ndarray]:
    """Token states after layer ``frozen`` (ragged, float16) and the pooled states of layers 0..frozen."""
    digest = hashlib.sha256(f"states-{frozen}-{MAX_TOKENS}".encode())
    for text in texts:
        digest.update(text.encode("utf-8", "surrogatepass") + b"\0")
    path = cache_dir / f"states-{digest.hexdigest()[:20]}.npz"
    if path.is_file():
        with np.load(path) as arrays:
            return {k: arrays[k] for k in arrays.files}
    import torch

    from actions.emotion.embedder import pooled_layers

    started = time.perf_counter()
    bert, tokenizer = load_bert(fine_tuned=False), Tokenizer()
    order = np.argsort(tokenizer.lengths(texts), kind="stable")
    lengths = np.zeros(len(texts), np.int64)
    chunks: list[tuple[int, np.ndarray]] = []
    pooled = np.zeros((len(texts), (frozen + 1) * HIDDEN), np.float32)
    with torch.inference_mode():
        for start in range(0, len(texts), 64):
            idx = order[start : start + 64]
            batch = tokenizer.encode([texts[i] for i in idx])
            inputs = {k: torch.from_numpy(v) for k, v in batch.items()}
            states = bert(**inputs, output_hidden_states=True).hidden_states[: frozen + 1]
            pooled[idx] = pooled_layers(states, inputs["attention_mask"]).numpy()
            mask = batch["attention_mask"].sum(1)
            top = states[frozen].numpy().astype(np.float16)
            for row, i in enumerate(idx):
                lengths[i] = mask[row]
                chunks.append((i, top[row, : mask[row]]))
    chunks.sort(key=lambda c: c[0])
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    result = {"states": np.concatenate([c[1] for c in chunks]), "offsets": offsets, "pooled": pooled}
    cache_dir.mkdir(parents=True, exist_ok=True)
    np.savez(path, **result)
    print(f"  cached states of {len(texts)} texts in {time.perf_counter() - started:.0f}s", flush=True)
    return result


def top_layers(frozen: int = N_LAYERS - TRAINABLE):
    """Trainable copies of the installed model's layers above ``frozen``."""
    import torch

    bert = load_bert(fine_tuned=False)
    return torch.nn.ModuleList(copy.deepcopy(bert.encoder.layer[i]) for i in range(frozen, N_LAYERS))


def run_top(layers, states, mask):
    """states: (batch, tokens, 384) after the frozen layers; mask: (batch, tokens) 0/1 -> list of hidden states."""
    import torch

    additive = (1.0 - mask[:, None, None, :].to(states.dtype)) * torch.finfo(states.dtype).min
    out = []
    for layer in layers:
        states = layer(states, attention_mask=additive)
        if isinstance(states, tuple):
            states = states[0]
        out.append(states)
    return out


def batch_from_cache(cache: dict[str, np.ndarray], idx: np.ndarray):
    import torch

    offsets, states = cache["offsets"], cache["states"]
    lengths = offsets[idx + 1] - offsets[idx]
    width = int(lengths.max())
    x = np.zeros((len(idx), width, HIDDEN), np.float32)
    mask = np.zeros((len(idx), width), np.float32)
    for row, i in enumerate(idx):
        x[row, : lengths[row]] = states[offsets[i] : offsets[i + 1]]
        mask[row, : lengths[row]] = 1
    return torch.from_numpy(x), torch.from_numpy(mask), torch.from_numpy(cache["pooled"][idx])


def pooled_features(layers, cache, idx):
    """Full 7 x 384 features for rows ``idx`` of a cache (torch tensor, keeps the graph)."""
    import torch

    x, mask, low = batch_from_cache(cache, idx)
    tops = run_top(layers, x, mask)
    m = mask.unsqueeze(-1)
    count = m.sum(1).clamp(min=1e-9)
    return torch.cat([low] + [(h * m).sum(1) / count for h in tops], dim=1)


def all_features(layers, cache, rows: np.ndarray | None = None):
    """No-grad features for ``rows`` (default all) of a cache, computed in length order, returned in row order."""
    import torch

    rows = np.arange(len(cache["pooled"])) if rows is None else np.asarray(rows)
    lengths = cache["offsets"][rows + 1] - cache["offsets"][rows]
    order = np.argsort(lengths, kind="stable")
    out = torch.zeros((len(rows), (N_LAYERS + 1) * HIDDEN))
    with torch.no_grad():
        for start in range(0, len(rows), 128):
            pick = order[start : start + 128]
            out[torch.from_numpy(pick)] = pooled_features(layers, cache, rows[pick])
    return out


def length_batches(lengths: np.ndarray, batch: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Shuffled batches of similar length (little padding), in a random order."""
    order = rng.permutation(len(lengths))
    batches = []
    for start in range(0, len(order), batch * 50):
        chunk = order[start : start + batch * 50]
        chunk = chunk[np.argsort(lengths[chunk], kind="stable")]
        batches += [chunk[i : i + batch] for i in range(0, len(chunk), batch)]
    return [batches[i] for i in rng.permutation(len(batches))]


def fit_top(fit_cache, fit_y, weights, dev_cache, evaluate, *, negative: list[int], seed: int, epochs: int,
            hidden: int, dropout: float, lr_layers: float, lr_head: float, aux_weight: float,
            batch: int = 32, weight_decay: float = 0.01, log=print):
    """Trains the top layers + head; returns (best dev score, epoch, layers state, head layers, mean, std)."""
    import torch

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    layers = top_layers()
    n = len(fit_y)
    sample = np.sort(rng.choice(n, size=min(n, 8000), replace=False))
    layers.eval()
    feats = all_features(layers, fit_cache, sample).numpy()
    mean, std = feats.mean(0), feats.std(0) + 1e-6
    mean_t, std_t = torch.from_numpy(mean), torch.from_numpy(std)
    head = torch.nn.Sequential(
        torch.nn.Dropout(dropout), torch.nn.Linear(len(mean), hidden), torch.nn.GELU(approximate="tanh"),
        torch.nn.Dropout(dropout), torch.nn.Linear(hidden, fit_y.shape[1]))
    optimiser = torch.optim.AdamW([{"params": layers.parameters(), "lr": lr_layers},
                                   {"params": head.parameters(), "lr": lr_head}], weight_decay=weight_decay)
    lengths = fit_cache["offsets"][1:] - fit_cache["offsets"][:-1]
    steps = epochs * -(-n // batch)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda s: min(1.0, s / max(1, steps // 20)) * max(0.0, 1.0 - s / steps))
    ys, ws = torch.from_numpy(fit_y), torch.from_numpy(weights)
    neg_y = (ys[:, negative].sum(1) > 0).float()
    best = (-1.0, 0, None, None)
    for epoch in range(1, epochs + 1):
        started = time.perf_counter()
        layers.train(), head.train()
        for idx in length_batches(lengths, batch, rng):
            t = torch.from_numpy(idx)
            logits = head((pooled_features(layers, fit_cache, idx) - mean_t) / std_t)
            logp = torch.log_softmax(logits, dim=1)
            loss = -(ys[t] * logp).sum(1)
            if aux_weight:
                log_neg = torch.logsumexp(logp[:, negative], dim=1).clamp(max=-1e-6)
                log_rest = torch.log1p(-log_neg.exp())
                loss = loss + aux_weight * -(neg_y[t] * log_neg + (1 - neg_y[t]) * log_rest)
            optimiser.zero_grad()
            (loss * ws[t]).sum().div(ws[t].sum()).backward()
            optimiser.step()
            scheduler.step()
        layers.eval(), head.eval()
        with torch.no_grad():
            probs = torch.softmax(head((all_features(layers, dev_cache) - mean_t) / std_t), dim=1).numpy()
        score = evaluate(probs)
        log(f"    epoch {epoch}: dev {score:.4f} ({time.perf_counter() - started:.0f}s)")
        if score > best[0]:
            state = {k: v.detach().clone() for k, v in layers.state_dict().items()}
            head_layers = [(m.weight.detach().numpy().T.copy(), m.bias.detach().numpy().copy())
                           for m in head if isinstance(m, torch.nn.Linear)]
            best = (score, epoch, state, head_layers)
    return (*best, mean, std)


def save_top_layers(state: dict, path: Path, frozen: int = N_LAYERS - TRAINABLE) -> None:
    """float16 safetensors, named as in the full model (``encoder.layer.4. ...``) so it loads over it."""
    from safetensors.torch import save_file

    named = {}
    for key, tensor in state.items():
        index, rest = key.split(".", 1)
        named[f"encoder.layer.{frozen + int(index)}.{rest}"] = tensor.detach().half()
    path.parent.mkdir(parents=True, exist_ok=True)
    save_file({k: v.contiguous() for k, v in sorted(named.items())}, str(path))


def load_top_layers(path: Path, frozen: int = N_LAYERS - TRAINABLE):
    """The saved top layers as a ModuleList (evaluation mode), for metrics on cached states."""
    from safetensors.torch import load_file

    layers = top_layers(frozen)
    prefix = len("encoder.layer.")
    state = {}
    for key, tensor in load_file(str(path)).items():
        index, rest = key[prefix:].split(".", 1)
        state[f"{int(index) - frozen}.{rest}"] = tensor.float()
    layers.load_state_dict(state)
    return layers.eval()


def experiment(data_dir: Path, out_dir: Path, *, seed: int = 13, epochs: int = 3, holdout_fraction: float = 0.1,
               calibration_weight: float = 10.0, settings: dict | None = None) -> dict:
    """Fine-tunes on the same fit / hold-out / dev split as ``train``; writes top layers + head + metrics to
    ``out_dir`` (not the shipped model: it only replaces ``model/`` by hand once it beats it)."""
    import json

    import torch

    from actions import config
    from actions.emotion.data import load_goemotions
    from actions.emotion.head import Head
    from actions.emotion.metrics import head_report, negative_auc
    from actions.emotion.train import CALIBRATION_FILE, load_calibration

    torch.use_deterministic_algorithms(True)
    settings = {**EXPERIMENT, **(settings or {})}
    data = load_goemotions(data_dir)
    order = np.random.default_rng(seed).permutation(len(data.train))
    n_holdout = int(round(len(order) * holdout_fraction))
    holdout, fit = data.train.subset(np.sort(order[:n_holdout])), data.train.subset(np.sort(order[n_holdout:]))
    calibration = load_calibration(CALIBRATION_FILE, data.names)
    cache = config.EMOTION_ONNX_DIR / "cache"
    fit_c = cached_states(fit.texts + calibration.texts, cache)
    dev_c, holdout_c = cached_states(data.dev.texts, cache), cached_states(holdout.texts, cache)
    n = len(data.names)
    fit_y = np.vstack([fit.soft_targets(n), calibration.soft_targets(n)])
    weights = np.concatenate([np.ones(len(fit), np.float32), np.full(len(calibration), calibration_weight, np.float32)])
    negative = [data.names.index(x) for x in data.sentiment["negative"]]
    score, epoch, state, layers, mean, std = fit_top(
        fit_c, fit_y, weights, dev_c, lambda p: negative_auc(data, data.dev, p[:, negative].sum(1)),
        negative=negative, seed=seed, epochs=epochs, **settings)
    meta = {"settings": settings, "epochs": epochs, "chosen_epoch": epoch, "seed": seed,
            "dev_negative_auc_at_choice": round(score, 4)}
    save_top_layers(state, out_dir / "top_layers.safetensors")
    Head(data.names, data.sentiment, layers, meta, mean, std).save(out_dir)
    head, top = Head.load(out_dir), load_top_layers(out_dir / "top_layers.safetensors")
    meta["metrics"] = {name: head_report(data, split, head.predict(all_features(top, c).numpy()))
                       for name, split, c in (("dev", data.dev, dev_c), ("holdout", holdout, holdout_c))}
    (out_dir / "metrics.json").write_text(json.dumps(meta, indent=2) + "\n")
    return meta


EXPERIMENT = {"hidden": 256, "dropout": 0.3, "lr_layers": 1e-4, "lr_head": 1e-3, "aux_weight": 1.0, "batch": 32}


def main(argv: list[str] | None = None) -> int:
    import argparse
    import json

    from actions import config

    parser = argparse.ArgumentParser(prog="python -m actions.emotion.finetune", description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=config.PROJECT_ROOT.parent / "shared" / "data" / "goemotions")
    parser.add_argument("--out", type=Path, default=config.EMOTION_ONNX_DIR / "finetune")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args(argv)
    meta = experiment(args.data, args.out, seed=args.seed, epochs=args.epochs)
    print(json.dumps(meta["metrics"], indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
