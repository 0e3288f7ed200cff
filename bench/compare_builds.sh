#!/usr/bin/env bash
# Two builds of cords-summarize on the same work, alternated (A B A B ...) so that the machine's noise falls on both:
# a refactoring must not cost time. Prints each case's median seconds for A and B and the ratio B/A as JSON lines.
#   bench/compare_builds.sh OLD/cords-summarize NEW/cords-summarize [ROUNDS]
# Cases: the bundled sample summarized with histogram features and with the bundled CNN (pass 1, selection, pass 2
# with the clip), select on a 40,000 x 128 matrix (dense facility location via kNN, k = 16), and a 3-epoch CRAIG
# training on a features dataset. Needs /usr/bin/python3 with numpy.
set -euo pipefail
a=$1 b=$2 rounds=${3:-3}
src=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
/usr/bin/python3 - "$work" <<'PY'
import sys, numpy as np
w = sys.argv[1]
rng = np.random.default_rng(0)
np.save(f"{w}/x.npy", rng.standard_normal((40000, 128)).astype(np.float32))
centers = rng.standard_normal((4, 16)) * 3
y = rng.integers(0, 4, 3000)
np.save(f"{w}/train.npy", (centers[y] + rng.standard_normal((3000, 16))).astype(np.float32))
np.save(f"{w}/train_labels.npy", y.astype(np.int64))
yt = rng.integers(0, 4, 600)
np.save(f"{w}/test.npy", (centers[yt] + rng.standard_normal((600, 16))).astype(np.float32))
np.save(f"{w}/test_labels.npy", yt.astype(np.int64))
PY
mkdir -p "$work/data" && mv "$work"/train*.npy "$work"/test*.npy "$work/data/"
cases=(
  "summary-histogram|$src/samples/sample.mp4 -q --features histogram --force -o OUT"
  "summary-cnn|$src/samples/sample.mp4 -q --force -o OUT"
  "select-knn|select --features $work/x.npy --budget 400 --knn 16 -q -o OUT.json"
  "train-craig|train --dataset features --data-dir $work/data --model mlp --strategy craig --fraction 0.2 --epochs 3 --select-every 1 --threads 2 -q -o OUT"
)
for c in "${cases[@]}"; do
  name=${c%%|*} args=${c#*|}
  ta=() tb=()
  for ((r = 0; r < rounds; r++)); do
    for side in a b; do
      exe=$a; [ $side = b ] && exe=$b
      out="$work/out-$name-$side-$r"
      start=$(date +%s.%N)
      # shellcheck disable=SC2086
      "$exe" ${args//OUT/$out} >/dev/null 2>&1 || { echo "compare_builds: $side failed on $name" >&2; exit 1; }
      t=$(echo "$(date +%s.%N) - $start" | bc)
      if [ $side = a ]; then ta+=("$t"); else tb+=("$t"); fi
      rm -rf "$out" "$out.json"
    done
  done
  /usr/bin/python3 -c "
import json, statistics as s, sys
a = [float(v) for v in sys.argv[2].split()]; b = [float(v) for v in sys.argv[3].split()]
print(json.dumps({'case': sys.argv[1], 'a_median_s': round(s.median(a), 3), 'b_median_s': round(s.median(b), 3),
                  'ratio_b_over_a': round(s.median(b) / s.median(a), 3), 'rounds': len(a)}))" "$name" "${ta[*]}" "${tb[*]}"
done
