#!/usr/bin/env bash
# Training-mode benchmark on this machine (docs/training.md): Fashion-MNIST (Debian dataset-fashion-mnist), CORDS'
# MnistNet, batch 128, SGD lr 0.05 momentum 0.9 nesterov wd 5e-4 cosine, 2 threads.
#  1. Per-epoch speed of the C++ trainer against plain PyTorch (bench/torch_train_reference.py, the same model,
#     tensors preloaded), alternating ROUNDS times in this run; the ratio of medians is reported. Python runs twice
#     per round: as installed, and with OPENBLAS_CORETYPE set to the kernels the C++ run used (the repair of
#     cords/core/blas_cpu.h, given to Python by hand), so that the BLAS part of the gain is visible.
#  2. CORDS' protocol side by side: fraction 0.1, select every 5, kappa 0, EPOCHS epochs, --compare over STRATEGIES
#     with SEEDS; time = training + selection, evaluation excluded.
# Usage: bench/run_train_bench.sh [OUT]   (env: EPOCHS=6 SEEDS=0,1 ROUNDS=3 STRATEGIES=... SPEED_ONLY=1)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-bench/results/train-$(date +%F)}
EPOCHS=${EPOCHS:-6}
SEEDS=${SEEDS:-0,1}
ROUNDS=${ROUNDS:-3}
STRATEGIES=${STRATEGIES:-full,random,random-online,glister,craig-pb,gradmatch-pb,facloc-embed}
bin=build/src/cords-summarize
py=${PYTHON:-/usr/bin/python3}
mkdir -p "$out"
: > "$out/speed.jsonl"
for r in $(seq "$ROUNDS"); do
  cpp=$(build/bench/train_bench --strategy full --epochs 1 --limit 20000 --threads 2 --device cpu --out "$out/speed-run")
  echo "$cpp" | tee -a "$out/speed.jsonl"
  "$py" bench/torch_train_reference.py --batches 141 --threads 2 | tee -a "$out/speed.jsonl"
  core=$(echo "$cpp" | "$py" -c 'import json,sys; print(json.load(sys.stdin).get("blas_core", ""))')
  if [ -n "$core" ]; then
    OPENBLAS_CORETYPE=$core "$py" bench/torch_train_reference.py --batches 141 --threads 2 | tee -a "$out/speed.jsonl"
  fi
done
"$py" - "$out/speed.jsonl" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
cpp = [r["images_per_s_per_epoch"][0] for r in rows if r["impl"] == "cords-summarize"]
py = [r["images_per_s"] for r in rows if r["impl"] == "python-pytorch" and not r.get("openblas_coretype")]
pybr = [r for r in rows if r["impl"] == "python-pytorch" and r.get("openblas_coretype")]
pyb = [r["images_per_s"] for r in pybr]
print(f"per-epoch speed: C++ {statistics.median(cpp):.0f} images/s, plain PyTorch {statistics.median(py):.0f} images/s, "
      f"ratio of medians {statistics.median(cpp) / statistics.median(py):.2f} (C++ {cpp}, Python {py})")
if pyb:
    print(f"  PyTorch with OPENBLAS_CORETYPE={pybr[0]['openblas_coretype']}: {statistics.median(pyb):.0f} images/s, "
          f"ratio {statistics.median(cpp) / statistics.median(pyb):.2f} ({pyb})")
PY
[ "${SPEED_ONLY:-0}" = 1 ] && exit 0
"$bin" train --dataset fashion-mnist --compare "$STRATEGIES" --seeds "$SEEDS" --epochs "$EPOCHS" --select-every 5 --kappa 0 \
  --fraction 0.1 --threads 2 --device cpu -q -o "$out/compare" | tee "$out/compare.txt"
