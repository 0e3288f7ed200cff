"""Plain PyTorch reference for `cords-summarize train`: CORDS' MnistNet on Fashion-MNIST (IDX files), batch 128,
SGD lr 0.05 momentum 0.9 nesterov wd 5e-4, the same weighted per-batch loss as the C++ trainer, tensors preloaded
(no per-image conversion), 2 threads. Times --batches training steps and prints one JSON line (images/s).
Usage: python3 bench/torch_train_reference.py [--data-dir /usr/share/datasets/fashion-mnist] [--batches 100]"""
import argparse, gzip, json, os, time
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

p = argparse.ArgumentParser()
p.add_argument("--data-dir", default="/usr/share/datasets/fashion-mnist")
p.add_argument("--batches", type=int, default=100)
p.add_argument("--batch", type=int, default=128)
p.add_argument("--threads", type=int, default=2)
p.add_argument("--device", default="cpu")
a = p.parse_args()
torch.set_num_threads(a.threads)
torch.manual_seed(0)


def idx(name):
    path = os.path.join(a.data_dir, name)
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read()
    dims = raw[3]
    shape = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * dims).reshape(shape)


x = torch.from_numpy(idx("train-images-idx3-ubyte.gz").copy()).float().div(255).sub(0.2860).div(0.3530).unsqueeze(1)
y = torch.from_numpy(idx("train-labels-idx1-ubyte.gz").astype(np.int64))
dev = torch.device(a.device)
x, y = x.to(dev), y.to(dev)


class MnistNet(nn.Module):  # CORDS' MnistNet
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, 1)
        self.conv2 = nn.Conv2d(32, 64, 3, 1)
        self.fc1 = nn.Linear(9216, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = F.relu(self.conv2(F.relu(self.conv1(x))))
        x = F.dropout(F.max_pool2d(x, 2), 0.25, self.training).flatten(1)
        return self.fc2(F.dropout(F.relu(self.fc1(x)), 0.5, self.training))


m = MnistNet().to(dev).train()
opt = torch.optim.SGD(m.parameters(), lr=0.05, momentum=0.9, nesterov=True, weight_decay=5e-4)
perm = torch.randperm(len(x), device=dev)


def step(b):
    i = perm[(b * a.batch) % len(x):][: a.batch]
    out = m(x[i])
    w = torch.ones(len(i), device=dev)
    loss = torch.dot(F.cross_entropy(out, y[i], reduction="none"), w / w.sum())
    opt.zero_grad()
    loss.backward()
    opt.step()


sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)
for b in range(5):
    step(b)
sync()
t = time.perf_counter()
for b in range(a.batches):
    step(b)
sync()
dt = time.perf_counter() - t
print(json.dumps({"impl": "python-pytorch", "model": "MnistNet", "device": a.device, "batch": a.batch, "threads": a.threads,
                  "images_per_s": round(a.batches * a.batch / dt, 1), "torch": torch.__version__,
                  "openblas_coretype": os.environ.get("OPENBLAS_CORETYPE", "")}))
