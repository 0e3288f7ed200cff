"""The Python PyTorch reference for embed_bench: forward passes of a TorchScript image model on ready-made batches
(fp16 and channels-last on CUDA), timed after warm-up. With --export-resnet50 PATH it first writes a torchvision
ResNet-50 (random weights: speed does not depend on them; fc removed, 2048-d) as TorchScript for both sides.
Usage: python3 bench/torch_embed_reference.py MODEL.pt [--device cuda] [--batch 64] [--frames 1024] [--threads N]
       python3 bench/torch_embed_reference.py --export-resnet50 resnet50.pt"""
import argparse, json, time
import torch

p = argparse.ArgumentParser()
p.add_argument("model", nargs="?")
p.add_argument("--device", default="cuda")
p.add_argument("--batch", type=int, default=64)
p.add_argument("--frames", type=int, default=1024)
p.add_argument("--size", type=int, default=224)
p.add_argument("--threads", type=int, default=0, help="CPU threads (torch.set_num_threads); 0: torch's default")
p.add_argument("--export-resnet50")
a = p.parse_args()
if a.threads > 0:
    torch.set_num_threads(a.threads)
if a.export_resnet50:
    import torchvision
    m = torchvision.models.resnet50(weights=None)
    m.fc = torch.nn.Identity()
    torch.jit.script(m.eval()).save(a.export_resnet50)
    raise SystemExit(0)
dev = torch.device(a.device)
half = dev.type == "cuda"
m = torch.jit.load(a.model, map_location=dev).eval()
if half:
    m = m.half()
x = torch.rand(a.batch, 3, a.size, a.size, device=dev, dtype=torch.half if half else torch.float)
x = x.contiguous(memory_format=torch.channels_last)
# autocast as the C++ embedder does: fp16 even for models whose weights are frozen float constants
with torch.inference_mode(), torch.autocast("cuda", dtype=torch.float16, enabled=half):
    for _ in range(3):
        m(x)
    if half:
        torch.cuda.synchronize()
    t, n = time.perf_counter(), 0
    while n < a.frames:
        m(x)
        n += a.batch
    if half:
        torch.cuda.synchronize()
print(json.dumps({"model": a.model, "impl": "python-pytorch", "device": a.device, "batch": a.batch,
                  "threads": torch.get_num_threads(), "forward_only_frames_per_s": round(n / (time.perf_counter() - t), 1), "torch": torch.__version__}))
