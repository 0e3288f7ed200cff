"""cords-summarize train --model FILE.pt: a user's TorchScript model trained with the C++ strategies (python3-torch
makes the model; run by ctest: python_select)."""
import json
import os
import subprocess

import numpy as np
import pytest

torch = pytest.importorskip("torch")
nn = torch.nn
CLI = os.environ.get("CORDS_CLI", "cords-summarize")


class Net(nn.Module):
    def __init__(self, d: int, classes: int):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(d, 32), nn.ReLU())
        self.head = nn.Linear(32, classes)

    @torch.jit.export
    def embed(self, x):
        return self.body(x)

    def forward(self, x):
        return self.head(self.embed(x))


class NoEmbed(nn.Module):
    def __init__(self):
        super().__init__()
        self.head = nn.Linear(8, 3)

    def forward(self, x):
        return self.head(x)


def blobs(d):
    rng = np.random.default_rng(1)
    for part, m in (("train", 600), ("test", 200)):
        y = np.arange(m) % 3
        x = rng.standard_normal((m, 8)).astype(np.float32)
        x[np.arange(m), y] += 4.0
        np.save(d / f"{part}.npy", x)
        np.save(d / f"{part}_labels.npy", y.astype(np.int64))


def train(tmp_path, model, *args):
    return subprocess.run([CLI, "train", "--dataset", "features", "--data-dir", str(tmp_path), "--model", str(model), "--epochs", "6",
                           "--threads", "1", "-q", "-o", str(tmp_path / "out"), *args], capture_output=True, text=True)


def test_a_users_torchscript_model_trains_with_a_gradient_strategy(tmp_path):
    blobs(tmp_path)
    torch.manual_seed(0)
    torch.jit.script(Net(8, 3)).save(str(tmp_path / "net.pt"))
    r = train(tmp_path, tmp_path / "net.pt", "--strategy", "full")
    assert r.returncode == 0, r.stderr
    m = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert m["test_accuracy"] > 0.95  # 3 well-separated blobs: the script module's parameters are trained
    r = train(tmp_path, tmp_path / "net.pt", "--strategy", "craig-pb", "--fraction", "0.25", "--select-every", "2")
    assert r.returncode == 0, r.stderr
    m = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert m["selections"] >= 2 and not m["never_selected"]  # its embed() fed the last-layer gradients
    assert m["test_accuracy"] > 0.7  # (a quarter of the data for 6 epochs: still learning; chance is 1/3)


def test_a_model_outside_the_contract_is_unusable(tmp_path):
    blobs(tmp_path)
    torch.jit.script(NoEmbed()).save(str(tmp_path / "noembed.pt"))
    r = train(tmp_path, tmp_path / "noembed.pt")
    assert r.returncode == 4 and "embed" in r.stderr
    (tmp_path / "junk.pt").write_text("not a model")
    r = train(tmp_path, tmp_path / "junk.pt")
    assert r.returncode == 4 and "TorchScript" in r.stderr
    torch.jit.script(Net(8, 5)).save(str(tmp_path / "five.pt"))
    r = train(tmp_path, tmp_path / "five.pt")
    assert r.returncode == 4 and "5 outputs for 3 classes" in r.stderr
