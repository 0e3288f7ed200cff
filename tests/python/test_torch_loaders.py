"""cords_summarize.torch: the adaptive loaders around a user's own model, against `cords-summarize train` on the same
model (its TorchScript copy), the same data and the same strategy (run by ctest: python_select)."""
import gzip
import json
import os
import subprocess

import numpy as np
import pytest

torch = pytest.importorskip("torch")
nn = torch.nn
loaders = pytest.importorskip("cords_summarize.torch")
AdaptiveLoader = loaders.AdaptiveLoader
CLI = os.environ.get("CORDS_CLI", "cords-summarize")
FMNIST = "/usr/share/datasets/fashion-mnist"


def idx(path, images):
    with gzip.open(path) as f:
        b = f.read()
    if images:
        n, h, w = np.frombuffer(b[4:16], ">i4")
        return np.frombuffer(b[16:], np.uint8).reshape(n, h, w)
    return np.frombuffer(b[8:], np.uint8).astype(np.int64)


@pytest.fixture(scope="module")
def fmnist(tmp_path_factory):
    """The first 6,000 train and 2,000 test images of Fashion-MNIST, average-pooled to 14 x 14 (196 features), as
    .npy files for `train --dataset features` and as arrays."""
    if not os.path.exists(f"{FMNIST}/train-images-idx3-ubyte.gz"):
        pytest.skip("Fashion-MNIST not installed (Debian: dataset-fashion-mnist)")
    pool = lambda x: x.reshape(len(x), 14, 2, 14, 2).mean((2, 4)).reshape(len(x), -1).astype(np.float32) / 255
    d = {"train": pool(idx(f"{FMNIST}/train-images-idx3-ubyte.gz", True)[:6000]),
         "train_labels": idx(f"{FMNIST}/train-labels-idx1-ubyte.gz", False)[:6000],
         "test": pool(idx(f"{FMNIST}/t10k-images-idx3-ubyte.gz", True)[:2000]),
         "test_labels": idx(f"{FMNIST}/t10k-labels-idx1-ubyte.gz", False)[:2000]}
    folder = tmp_path_factory.mktemp("fmnist")
    for name, a in d.items():
        np.save(folder / f"{name}.npy", a)
    d["dir"] = folder
    return d


class Net(nn.Module):
    """The user's model: an MLP whose last nn.Linear gives the logits (embed() is for the CLI's TorchScript contract)."""

    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(196, 64), nn.ReLU())
        self.head = nn.Linear(64, 10)

    @torch.jit.export
    def embed(self, x):
        return self.body(x)

    def forward(self, x):
        return self.head(self.embed(x))


EPOCHS, FRACTION, EVERY = 10, 0.1, 2


def cli_accuracy(fm, tmp_path, strategy, seed):
    torch.manual_seed(seed)
    torch.jit.script(Net()).save(str(tmp_path / "net.pt"))
    out = tmp_path / f"cli-{strategy}-{seed}"
    r = subprocess.run([CLI, "train", "--dataset", "features", "--data-dir", str(fm["dir"]), "--model", str(tmp_path / "net.pt"),
                        "--strategy", strategy, "--fraction", str(FRACTION), "--epochs", str(EPOCHS), "--select-every", str(EVERY),
                        "--seed", str(seed), "--threads", "2", "-q", "-o", str(out)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    m = json.loads((out / "metrics.json").read_text())
    return m["test_accuracy"], m["selections"]


def python_run(fm, strategy, seed, **kwargs):
    """The same protocol in plain PyTorch with the loader: 10% held out, features standardised on the rest, SGD
    lr 0.05 momentum 0.9 Nesterov, weight decay 5e-4, cosine annealing per epoch, loss sum(w l) / sum(w)."""
    torch.manual_seed(seed)
    net = Net()
    keep = np.random.default_rng(42).permutation(len(fm["train"]))[len(fm["train"]) // 10:]
    x = fm["train"][keep]
    mu, sd = x.mean(0), x.std(0, ddof=1)
    sd[sd <= 1e-8] = 1
    train = torch.utils.data.TensorDataset(torch.from_numpy((x - mu) / sd), torch.from_numpy(fm["train_labels"][keep]))
    loader = AdaptiveLoader(train, net, strategy, fraction=FRACTION, epochs=EPOCHS, select_every=EVERY, seed=seed, **kwargs)
    opt = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9, nesterov=True, weight_decay=5e-4)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, EPOCHS)
    for _ in range(EPOCHS):
        for xb, yb, w in loader:
            opt.zero_grad()
            loss = (nn.functional.cross_entropy(net(xb), yb, reduction="none") * w).sum() / w.sum()
            loss.backward()
            opt.step()
        sched.step()
    with torch.no_grad():
        pred = net(torch.from_numpy((fm["test"] - mu) / sd)).argmax(1).numpy()
    return float((pred == fm["test_labels"]).mean()), loader


@pytest.mark.parametrize("strategy", ["random-online", "craig-pb", "gradmatch-pb", "glister"])
def test_the_loaders_reach_the_clis_accuracy_within_seed_noise(fmnist, tmp_path, strategy):
    cli, py = [], []
    for seed in (0, 1, 2):
        acc, selections = cli_accuracy(fmnist, tmp_path, strategy, seed)
        cli.append(acc)
        acc, loader = python_run(fmnist, strategy, seed)
        py.append(acc)
        assert loader.selections == selections  # the same schedule
    noise = max(0.02, 3 * float(np.std(cli + py)))
    assert np.mean(py) >= np.mean(cli) - noise, (strategy, cli, py)
    assert min(py) > 0.6  # (10 classes: chance is 0.1)


def test_gradmatch_weights_and_subsets_are_reproducible(fmnist):
    _, a = python_run(fmnist, "gradmatch-pb", 5)
    _, b = python_run(fmnist, "gradmatch-pb", 5)
    assert np.array_equal(a.indices, b.indices) and np.array_equal(a.weights, b.weights)
    assert len(np.unique(a.indices)) == len(a.indices) and (a.weights > 0).all()
    assert not np.allclose(a.weights, 1.0)  # OMP coefficients, not uniform
    batches = np.unique(a.indices // 128)  # per batch: whole batches of the sequential order, ceil(k / B) of them
    assert len(batches) == -(-loaders._train.budget_of(5400, FRACTION) // 128)
    assert sorted(a.indices.tolist()) == [i for b in batches for i in range(b * 128, min(5400, (b + 1) * 128))]


def blobs(n=600):
    rng = np.random.default_rng(3)
    y = np.arange(n) % 3
    x = rng.standard_normal((n, 8)).astype(np.float32)
    x[np.arange(n), y] += 3.0
    return torch.utils.data.TensorDataset(torch.from_numpy(x), torch.from_numpy(y))


class Small(nn.Module):
    def __init__(self):
        super().__init__()
        self.f = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 3))

    def forward(self, x):
        return self.f(x)


@pytest.mark.parametrize("kwargs", [dict(select_every=0), dict(select_every=2.5), dict(lambda_=float("nan")),
                                    dict(eta=float("nan"))])
def test_bad_schedule_and_parameters_are_refused(kwargs):
    with pytest.raises(ValueError):
        AdaptiveLoader(blobs(), Small(), "gradmatch", fraction=0.2, epochs=4, **kwargs)


def test_warm_start_schedule_and_rs2_rounds():
    data = blobs()
    loader = AdaptiveLoader(data, Small(), "craig", fraction=0.2, epochs=20, select_every=4, kappa=0.5)
    phases, sizes = [], []
    for _ in range(20):
        sizes.append(sum(len(y) for _, y, _ in loader))
        phases.append(loader.phase)
    # kappa 0.5 of 20 epochs: ceil(10 x 0.2) = 2 full epochs, one on the first random subset, the rest of the first 10
    # skipped, then selections at 12 and 16 (train's schedule)
    assert phases[:3] == ["warm-full", "warm-full", "subset"] and phases[3:10] == ["skipped"] * 7
    assert [e for e, p in enumerate(phases) if p == "selection"] == [12, 16]
    assert sizes[0] == 600 and sizes[5] == 0 and sizes[12] == 120
    rs2 = AdaptiveLoader(data, Small(), "rs2", fraction=0.25, epochs=8)
    seen = []
    for _ in range(4):
        list(rs2)
        seen += rs2.indices.tolist()
    assert sorted(seen) == list(range(600))  # 4 rounds of a quarter: every example exactly once


def test_a_schedule_that_never_selects_warns_and_bad_arguments_raise():
    with pytest.warns(UserWarning, match="never selects"):
        loader = AdaptiveLoader(blobs(), Small(), "craig-pb", epochs=10, select_every=20)
    assert loader.never_selects
    with pytest.raises(ValueError, match="unknown strategy"):
        AdaptiveLoader(blobs(), Small(), "gradmatch-fast", epochs=3)
    with pytest.raises(ValueError, match="drop sampler"):  # a sampler would reorder examples against their weights
        AdaptiveLoader(blobs(), Small(), "craig", epochs=3, sampler=list(range(10)))
    with pytest.raises(ValueError, match="no torch.nn.Linear"):
        AdaptiveLoader(blobs(), nn.Sequential(nn.Flatten()), "craig", epochs=3)
    with pytest.raises(ValueError, match="no per-class-per-gradient"):
        AdaptiveLoader(blobs(), Small(), "craig", epochs=3, mode="per-class-per-gradient")
    wrong = blobs()
    wrong.tensors = (wrong.tensors[0], wrong.tensors[1] + 5)  # labels outside the model's 3 classes
    loader = AdaptiveLoader(wrong, Small(), "craig", epochs=6, select_every=2)
    with pytest.raises(ValueError, match="labels must be in"):
        for _ in range(3):
            list(loader)


def test_the_loader_reads_trains_strategy_table():
    """STRATEGIES and the defaults come from the C++ table (no names retyped in torch.py)."""
    from cords_summarize import _train
    import cords_summarize.torch as ct
    rows = {r["name"]: r for r in _train.strategies()}
    assert set(ct.STRATEGIES) == {n for n, r in rows.items() if r["in_loader"]} | {
        n + "-pb" for n, r in rows.items() if r["in_loader"] and r["per_batch_alias"]}
    assert _train.resolve("gradmatch-pb")["mode"] == "per-batch"
    assert _train.resolve("gradmatch-pb")["select_every"] == 1 and _train.resolve("gradmatch-pb")["lambda_"] == 0.0
    assert _train.resolve("craig")["mode"] == "per-class" and not _train.resolve("craig")["linear"]
    assert _train.resolve("craig", "whole", "on")["linear"]
    with pytest.raises(ValueError, match="unknown selection mode"):
        _train.resolve("craig", "sideways")
    with pytest.raises(ValueError, match="linear_layer must be auto, on or off"):
        ct.AdaptiveLoader(blobs(), Small(), "craig", epochs=3, linear_layer="maybe")
