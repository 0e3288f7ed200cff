"""Tiny TorchScript models for the tests (random weights with a fixed seed): not the default model."""
import sys, torch
out = sys.argv[1]
torch.manual_seed(0)

class Tiny(torch.nn.Module):
    def __init__(self, pool=True):
        super().__init__()
        self.pool = pool
        self.features = torch.nn.Sequential(
            torch.nn.Conv2d(3, 8, 3, stride=2, padding=1), torch.nn.ReLU(),
            torch.nn.Conv2d(8, 16, 3, stride=2, padding=1), torch.nn.ReLU())
    def forward(self, x):
        y = self.features(x)
        return y.mean(dim=(2, 3)) if self.pool else y

class Flat(torch.nn.Module):  # wants N x 10 vectors, not images
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(10, 4)
    def forward(self, x):
        return self.fc(x)

class Pair(torch.nn.Module):  # returns a tuple
    def forward(self, x):
        return x.mean(), x.std()

torch.jit.script(Tiny().eval()).save(f"{out}/tiny.pt")
torch.jit.script(Tiny(pool=False).eval()).save(f"{out}/fmap.pt")
torch.jit.script(Flat().eval()).save(f"{out}/flat.pt")
torch.jit.script(Pair().eval()).save(f"{out}/pair.pt")
open(f"{out}/tiny64.pt.json", "w").write('{"name": "tiny64", "input_size": 64, "resize": "stretch", "scale": 255, "mean": [0.5, 0.5, 0.5], "std": [0.5, 0.5, 0.5]}\n')
torch.jit.script(Tiny().eval()).save(f"{out}/tiny64.pt")
open(f"{out}/text.pt", "w").write("not a model\n")
