#!/usr/bin/env bash
# The selection benchmark table of docs/benchmarks.md. Facility location, cosine, Gaussian blobs.
#   dense: d = 512, n = 1,000 / 5,000 / 20,000, budget 5% and 10%, every optimizer, plus the n x n x d SGEMM
#          timed in the same process (the floor of any exact dense method);
#   sparse: n = 1,000,000, d = 64, 16-nearest-neighbour kernel (IVF, recall reported), budget 5% and 10%.
# One process per (n, budget) so peak memory is the case's own. Writes bench/results/select-DATE.jsonl and
# prints a markdown table. Usage: bench/run_select_bench.sh [build-dir]   (takes ~15 minutes on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build}"
bin="$build/bench/select_bench"
[ -x "$bin" ] || { echo "build first: cmake --build $build --target select_bench" >&2; exit 2; }
mkdir -p bench/results
out="bench/results/select-$(date +%Y-%m-%d).jsonl"
: > "$out"
for n in 1000 5000 20000; do
  for f in 0.05 0.10; do
    echo "n=$n fraction=$f" >&2
    "$bin" --n "$n" --d 512 --fraction "$f" --sgemm --optimizers lazy,naive,stochastic,lazier-than-lazy,random >> "$out"
  done
done
for f in 0.05 0.10; do
  echo "n=1000000 knn fraction=$f" >&2
  "$bin" --n 1000000 --d 64 --fraction "$f" --knn 16 --knn-method ivf --optimizers lazy,stochastic,lazier-than-lazy,random >> "$out"
done
# A harder kNN case: 100 blobs of 10,000 points, whose neighbours spread over many IVF lists.
echo "n=1000000 knn, 100 blobs" >&2
"$bin" --n 1000000 --d 64 --clusters 100 --fraction 0.05 --knn 16 --knn-method ivf --optimizers lazy >> "$out"
python3 - "$out" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print("| n | d | blobs | k | kernel | optimizer | kernel s | greedy s | kernel+greedy / SGEMM | objective / lazy | evaluations | peak MiB | kNN recall |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
lazy = {(r["n"], r["k"], r["clusters"]): r["objective"] for r in rows if r["optimizer"] == "lazy"}
for r in rows:
    ratio = f'{(r["kernel_s"] + r["greedy_s"]) / r["sgemm_s"]:.2f}' if r["sgemm_s"] > 0 else "-"
    rel = r["objective"] / lazy[(r["n"], r["k"], r["clusters"])]
    recall = f'{r["knn_recall"]:.4f}' if r["kernel"] == "knn" else "-"
    print(f'| {r["n"]:,} | {r["d"]} | {r["clusters"]:,} | {r["k"]:,} | {r["kernel"]} | {r["optimizer"]} | {r["kernel_s"]:.2f} | {r["greedy_s"]:.2f} '
          f'| {ratio} | {rel:.5f} | {r["evaluations"]:,} | {r["peak_rss_bytes"]/2**20:,.0f} | {recall} |')
sg = {(r["n"], r["k"]): r["sgemm_s"] for r in rows if r["sgemm_s"] > 0}
print()
print("SGEMM (n x n x d, timed in each case's own process): " + ", ".join(f"n={n:,} k={k:,}: {s:.2f} s" for (n, k), s in sorted(sg.items())))
PY
