"""cords_summarize.torch: CORDS-style adaptive subset loaders around your own PyTorch model and dataset.

    from cords_summarize.torch import AdaptiveLoader
    loader = AdaptiveLoader(train_set, model, "gradmatch-pb", fraction=0.1, epochs=30, batch_size=128)
    for epoch in range(30):
        for x, y, w in loader:                       # w: the subset's weights, one per example
            loss = (F.cross_entropy(model(x.to(dev)), y.to(dev), reduction="none") * w.to(dev)).sum() / w.sum()
            ...

The schedule and the selection are those of `cords-summarize train` (docs/training.md): every adaptive strategy
starts from a random subset of k = floor(fraction n) examples and reselects every `select_every` epochs from the
third epoch on (epoch index e % select_every == 0, e > 1); a warm start kappa trains on all the data for the first
ceil(kappa T fraction) epochs and skips the rest of the first kappa T. The last-layer gradients (p - onehot(y), and
with the linear part (p - onehot(y)) x embedding) are computed here with your model in evaluation mode; the
selection (CRAIG's facility location, GradMatch's non-negative OMP, GLISTER's greedy) runs in C++ with the GIL
released, on the same code as the CLI.

The model: any torch.nn.Module whose logits come out of a final torch.nn.Linear (found as the last Linear among
model.modules(), or given as last_layer=); its input is the embedding the linear-layer gradients use. Strategies:
full, random, random-online, craig, gradmatch, glister (each with -pb for per-batch selection: craig-pb,
gradmatch-pb, glister-pb), rs2.
"""
from __future__ import annotations

import math
import time
from typing import Any, Iterator, Optional, Tuple

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset, Subset

try:
    from . import _train
except ImportError as e:  # built only where LibTorch was found at build time
    raise ImportError("cords_summarize.torch needs the _train extension, built when CMake finds LibTorch "
                      "(Debian: libtorch-dev; see docs/python.md)") from e

__all__ = ["AdaptiveLoader", "STRATEGIES"]

# train's strategy table (src/cords/train/strategy_table.cpp), read from the extension: the names, their -pb
# aliases and the rules below are never retyped here.
_TABLE = {row["name"]: row for row in _train.strategies() if row["in_loader"]}
STRATEGIES = tuple(_TABLE) + tuple(name + "-pb" for name, row in _TABLE.items() if row["per_batch_alias"])
_POOL_SEED_MIX = 0x9E3779B97F4A7C15  # as train: the pool's seed is the selection's seed xor this


class AdaptiveLoader:
    """Yields (x, y, w) mini-batches of the current subset, one epoch per iteration.

    dataset       a map-style dataset of (input, label) pairs, labels integers in [0, classes)
    model         your model (see the module's doc); its device is used for the gradients
    strategy      one of STRATEGIES
    fraction      subset size k = max(1, floor(fraction * len(dataset)))
    epochs        T, the epochs you will iterate (the warm start and the never-selects check need it)
    select_every  R; default as train: 1 for random-online and gradmatch-pb, else 20
    kappa         warm start share of the epochs, in [0, 1) (adaptive strategies)
    batch_size    B: mini-batches, and the batches per-batch selection chooses whole
    mode          per-class | per-class-per-gradient | per-batch | whole; default as train (craig per-class,
                  gradmatch per-class-per-gradient, glister whole; -pb: per-batch)
    lambda_       GradMatch's ridge; default 0 per batch, else 0.5
    linear_layer  "auto" | "on" | "off": the C x D last-layer weight gradients in the selection signal (auto: on
                  for gradmatch and per-class-per-gradient)
    pool          share of the train set whose gradients a selection computes; default min(1, 2 fraction)
    val_dataset   GLISTER's validation set (default: the train set)
    eta           GLISTER's step size (train uses the learning rate)
    last_layer    the final nn.Linear, when the last Linear in model.modules() is not it
    seed          the subsets, the pool and the batch order
    shuffle       shuffle the subset each epoch (seeded)
    **loader_args passed to the torch DataLoaders (num_workers, pin_memory, collate_fn, ...)

    Attributes after each epoch: epoch (epochs iterated), phase ("full", "warm-full", "skipped", "subset" or
    "selection"), indices and weights (the current subset), selections, selection_time_s (total seconds spent
    selecting, gradients included), never_selects (the schedule never reaches a selection: a random run).
    """

    def __init__(self, dataset: Dataset, model: torch.nn.Module, strategy: str = "gradmatch-pb", *, fraction: float = 0.1,
                 epochs: int, select_every: Optional[int] = None, kappa: float = 0.0, batch_size: int = 128,
                 mode: Optional[str] = None, lambda_: Optional[float] = None, linear_layer: str = "auto",
                 pool: Optional[float] = None, val_dataset: Optional[Dataset] = None, eta: float = 0.05,
                 last_layer: Optional[torch.nn.Linear] = None, seed: int = 0, shuffle: bool = True, **loader_args: Any):
        if strategy not in STRATEGIES:
            raise ValueError(f"unknown strategy {strategy!r}; valid: {', '.join(STRATEGIES)}")
        # As train: the -pb aliases, the default mode, the mode and linear_layer checked (ValueError).
        chosen = _train.resolve(strategy, mode, linear_layer)
        base, mode = chosen["base"], chosen["mode"]
        row = _TABLE[base]
        if not (isinstance(epochs, int) and epochs >= 1):
            raise ValueError("epochs must be an integer >= 1")
        if not (0 <= kappa < 1):
            raise ValueError("kappa must be in [0, 1)")
        if row["own_epoch_rule"] and kappa > 0:
            raise ValueError(f"{base} has no warm start (kappa)")
        if batch_size < 1:
            raise ValueError("batch_size must be >= 1")
        # The loader owns the order and the batches: a sampler would reorder examples against their weights.
        owned = sorted(set(loader_args) & {"sampler", "batch_sampler", "drop_last"})
        if owned:
            raise ValueError(f"AdaptiveLoader chooses the examples, their order and their batches itself; drop "
                             f"{', '.join(owned)} from the DataLoader arguments (batch_size= and shuffle= are its own)")
        self.dataset, self.model, self.strategy, self.base, self.mode = dataset, model, strategy, base, mode
        self._picks = row["picks"]  # how the table says it chooses: all, random, rs2-rounds, craig, ...
        self.n = len(dataset)
        if self.n < 1:
            raise ValueError("the dataset is empty")
        self.k = _train.budget_of(self.n, float(fraction))
        self.fraction, self.epochs, self.batch_size, self.seed, self.shuffle = fraction, epochs, batch_size, seed, shuffle
        if select_every is not None and (isinstance(select_every, bool) or int(select_every) != select_every or select_every < 1):
            raise ValueError(f"select_every must be an integer >= 1, got {select_every!r}")  # (0 was taken as the default)
        self.select_every = select_every or chosen["select_every"]
        for name, value in (("lambda_", lambda_), ("eta", eta), ("kappa", kappa)):
            if value is not None and not math.isfinite(float(value)):
                raise ValueError(f"{name} must be a finite number, got {value!r}")
        self.lambda_ = lambda_ if lambda_ is not None else chosen["lambda_"]
        self.linear = chosen["linear"]
        self.pool = pool if pool is not None else min(1.0, 2 * fraction)
        if not (0 < self.pool <= 1):
            raise ValueError("pool must be in (0, 1]")
        self.val_dataset, self.eta, self.loader_args = val_dataset, eta, loader_args
        self.last_layer = last_layer if last_layer is not None else self._find_last_linear(model)
        self.adaptive = row["adaptive"]
        self.select_after = int(kappa * epochs) if self.adaptive and kappa > 0 else 0
        self.warmup = math.ceil(self.select_after * fraction) if self.adaptive and kappa > 0 else 0
        planned = sum(1 for e in range(epochs) if self._selects_at(e))
        self.never_selects = self.adaptive and planned == 0
        if self.never_selects:
            import warnings
            warnings.warn(f"{strategy} selects every {self.select_every} epochs but the run has {epochs}: it never selects "
                          "and trains on its first random subset (a random run)", stacklevel=2)
        self.epoch, self.phase, self.selections, self.selection_time_s = 0, "", 0, 0.0
        self._order = torch.Generator().manual_seed(seed + 2)
        self._rs2_perm = np.empty(0, np.int64)
        self._rs2_next = 0
        self._rs2_rng = np.random.default_rng(seed + 3)
        if self._picks == "all":
            self.indices, self.weights = np.arange(self.n, dtype=np.int64), np.ones(self.n, np.float32)
        else:  # as train: every strategy starts from a random subset
            self.indices, self.weights = _train.random_subset(self.n, self.k, seed + 1)

    @staticmethod
    def _find_last_linear(model: torch.nn.Module) -> torch.nn.Linear:
        last = None
        for m in model.modules():
            if isinstance(m, torch.nn.Linear):
                last = m
        if last is None:
            raise ValueError("the model has no torch.nn.Linear: pass last_layer=, the layer that outputs the logits")
        return last

    def _selects_at(self, e: int) -> bool:
        """Whether epoch e (0-based) selects: the one rule of the schedule (train's)."""
        return self.adaptive and not (self.warmup < e < self.select_after) and e >= self.warmup and e % self.select_every == 0 and e > 1

    # -- one epoch ------------------------------------------------------------------------------------------------
    def __iter__(self) -> Iterator[Tuple[Any, Any, torch.Tensor]]:
        e = self.epoch
        self.epoch += 1
        if self._picks == "all" or (self.adaptive and e < self.warmup):
            self.phase = "warm-full" if self._picks != "all" else "full"
            idx, w = np.arange(self.n, dtype=np.int64), np.ones(self.n, np.float32)
        elif self.adaptive and self.warmup < e < self.select_after:
            self.phase = "skipped"  # CORDS' warm start: the rest of the first kappa T epochs is skipped
            return iter(())
        else:
            self.phase = "subset"
            if self._picks == "rs2-rounds":
                t0 = time.perf_counter()
                self.indices, self.weights = self._rs2_round()
                self.selection_time_s += time.perf_counter() - t0
                self.selections += 1
            elif self._selects_at(e):
                t0 = time.perf_counter()
                self.indices, self.weights = self._select(self.seed + 100 + e)
                self.selection_time_s += time.perf_counter() - t0
                self.selections += 1
                self.phase = "selection"
            idx, w = self.indices, self.weights
        return self._batches(idx, w)

    def __len__(self) -> int:
        return math.ceil(len(self.indices) / self.batch_size)

    def _batches(self, idx: np.ndarray, w: np.ndarray) -> Iterator[Tuple[Any, Any, torch.Tensor]]:
        order = torch.randperm(len(idx), generator=self._order).numpy() if self.shuffle else np.arange(len(idx))
        idx, weights = idx[order], torch.from_numpy(np.ascontiguousarray(w[order]))
        loader = DataLoader(Subset(self.dataset, idx.tolist()), batch_size=self.batch_size, shuffle=False, **self.loader_args)
        start = 0
        for x, y in loader:
            m = len(y)
            yield x, y, weights[start:start + m]
            start += m

    def _rs2_round(self) -> Tuple[np.ndarray, np.ndarray]:
        """RS2: the next k of a random order of the train set (every example once before any twice)."""
        out = []
        while len(out) < self.k:
            if self._rs2_next >= len(self._rs2_perm):
                self._rs2_perm, self._rs2_next = self._rs2_rng.permutation(self.n), 0
            take = min(self.k - len(out), len(self._rs2_perm) - self._rs2_next)
            out.extend(self._rs2_perm[self._rs2_next:self._rs2_next + take].tolist())
            self._rs2_next += take
        idx = np.unique(np.asarray(out, np.int64))
        return idx, np.ones(len(idx), np.float32)

    # -- selection --------------------------------------------------------------------------------------------------
    def _select(self, seed: int) -> Tuple[np.ndarray, np.ndarray]:
        if self._picks == "random":
            return _train.random_subset(self.n, self.k, seed)
        per_batch = self.mode == "per-batch"
        pool = _train.candidate_pool(self.n, self.batch_size, self.pool, per_batch, seed ^ _POOL_SEED_MIX)
        g, y, classes = self._gradients(pool, per_batch)
        val = self._val_state(classes) if self._picks == "glister" else (None, None, None)
        chosen, weights = _train.select(self.base, g, y, classes, self.last_layer.in_features, self.linear, per_batch,
                                        self.batch_size, self.k, self.mode, float(self.lambda_), float(self.eta), seed,
                                        *val)
        return pool[chosen], weights

    def _forward(self, dataset: Dataset, chunk: int) -> Iterator[Tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
        """(embedding, logits, labels) per chunk of the dataset in order, in evaluation mode without autograd."""
        captured = []
        hook = self.last_layer.register_forward_hook(lambda mod, inp, out: captured.append(inp[0]))
        was_training = self.model.training
        device = next(self.model.parameters()).device
        self.model.eval()
        try:
            with torch.no_grad():
                for x, y in DataLoader(dataset, batch_size=chunk, shuffle=False, **self.loader_args):
                    captured.clear()
                    logits = self.model(x.to(device))
                    if not captured:
                        raise ValueError("the last layer was not called by the model's forward: pass last_layer=")
                    yield captured[-1].flatten(1).float(), logits.float(), torch.as_tensor(y).to(device).long()
        finally:
            hook.remove()
            self.model.train(was_training)

    def _gradients(self, pool: np.ndarray, per_batch: bool) -> Tuple[np.ndarray, np.ndarray, int]:
        classes = self.last_layer.out_features
        rows, labels = [], []
        chunk = self.batch_size * max(1, 1024 // self.batch_size)  # whole batches per chunk
        for emb, logits, y in self._forward(Subset(self.dataset, pool.tolist()), chunk):
            if logits.shape[1] != classes:
                raise ValueError(f"the model outputs {logits.shape[1]} logits but its last layer has {classes} outputs")
            if y.min() < 0 or y.max() >= classes:
                raise ValueError(f"labels must be in [0, {classes})")
            p = torch.softmax(logits, 1) - torch.nn.functional.one_hot(y, classes).float()
            if per_batch:
                for b in range(0, len(y), self.batch_size):
                    pb, eb = p[b:b + self.batch_size], emb[b:b + self.batch_size]
                    r = pb.mean(0)
                    if self.linear:
                        r = torch.cat([r, (pb.t() @ eb).div(len(pb)).flatten()])
                    rows.append(r.unsqueeze(0).cpu())
            else:
                rows.append((torch.cat([p, (p.unsqueeze(2) * emb.unsqueeze(1)).flatten(1)], 1) if self.linear else p).cpu())
            labels.append(y.cpu())
        return (torch.cat(rows).contiguous().numpy(), torch.cat(labels).numpy().astype(np.int64), classes)

    def _val_state(self, classes: int):
        data = self.val_dataset if self.val_dataset is not None else self.dataset
        embs, logits, labels = [], [], []
        for e, lo, y in self._forward(data, 1024):
            embs.append(e.cpu())
            logits.append(lo.cpu())
            labels.append(y.cpu())
        return (torch.cat(logits).contiguous().numpy(), torch.cat(embs).contiguous().numpy(),
                torch.cat(labels).numpy().astype(np.int64))
