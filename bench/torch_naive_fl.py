"""The reference: naive-greedy facility location as a PyTorch user writes it, timed per step.
Same data and kernel as bench/torch_sweep_bench.cpp (cosine, fp16 on the GPU).
Usage: python3 bench/torch_naive_fl.py [--n 50000] [--d 512] [--steps 20] [--device cuda] [--dtype half]"""
import argparse, json, time
import torch

p = argparse.ArgumentParser()
p.add_argument("--n", type=int, default=50000)
p.add_argument("--d", type=int, default=512)
p.add_argument("--steps", type=int, default=20)
p.add_argument("--device", default="cuda")
p.add_argument("--dtype", default="half")
a = p.parse_args()
dt = torch.float16 if a.dtype == "half" else torch.float32
g = torch.Generator().manual_seed(1)
clusters = max(10, a.n // 200)
centres = 4 * torch.randn(clusters, a.d, generator=g)
x = centres[torch.randint(clusters, (a.n,), generator=g)] + torch.randn(a.n, a.d, generator=g)
x = x.to(a.device)
y = x / x.norm(dim=1, keepdim=True)
S = (0.5 + 0.5 * (y @ y.T)).to(dt)
m = torch.zeros(a.n, device=a.device, dtype=dt)
selected = torch.zeros(a.n, dtype=torch.bool, device=a.device)

def step():
    gains = (S - m).clamp(min=0).sum(dim=1, dtype=torch.float32)
    gains[selected] = -1
    i = int(gains.argmax())
    selected[i] = True
    torch.maximum(m, S[i], out=m)

for _ in range(2):
    step()
if a.device.startswith("cuda"):
    torch.cuda.synchronize()
t = time.perf_counter()
for _ in range(a.steps):
    step()
if a.device.startswith("cuda"):
    torch.cuda.synchronize()
print(json.dumps({"n": a.n, "d": a.d, "impl": "python-pytorch", "dtype": a.dtype,
                  "step_ms": 1e3 * (time.perf_counter() - t) / a.steps, "torch": torch.__version__}))
