#!/usr/bin/env bash
# Reproduces the default model from the npm registry and Debian packages alone (models/README.md):
#   1. npm pack nsfwjs@4.4.0 and check its sha512 integrity;
#   2. extract_nsfwjs.js: dequantise its MobileNetV2 weights as TensorFlow.js does;
#   3. convert_mobilenet_v2.py (python3-torch): rebuild the network up to block 10 in PyTorch, fold BatchNorm,
#      save TorchScript;
#   4. parity: TensorFlow.js (npm, pure-JS CPU backend) against the TorchScript model on 8 frames of
#      samples/sample.mp4, for the embedding and for the full classifier (top-1);
#   5. write the model, its spec, parity.json, and the C++ parity fixture (tests/data/).
# Needs: node + npm, ffmpeg, python3 with torch (Debian: python3-torch). Takes about a minute.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
PY="${PYTHON:-/usr/bin/python3}"
LAYER=block_10_project   # chosen by measurement (models/README.md); its BatchNorm is folded into it
KERAS_LAYER=block_10_project_BN
NAME=mobilenet_v2_imagenet_b10
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

npm pack nsfwjs@4.4.0 >/dev/null 2>&1
want='sha512-krC1fgeTLXtZwgdpKJ0jm7hqv0gTSRQQRL+FhOaxaJ9Wj92t42BO3csO2odwgTAgZgf2RvkwPtp0R8Aa7dc+MA=='
got="sha512-$(openssl dgst -sha512 -binary nsfwjs-4.4.0.tgz | base64 -w0)"
[ "$got" = "$want" ] || { echo "nsfwjs-4.4.0.tgz integrity mismatch: $got" >&2; exit 1; }
tar xzf nsfwjs-4.4.0.tgz
node "$here/extract_nsfwjs.js" package extracted
"$PY" "$here/convert_mobilenet_v2.py" extracted "$NAME.pt" --layer "$LAYER" --logits logits.pt

mkdir -p frames tfjs
for t in 1 4 8 12 16 20 23 26; do
  ffmpeg -nostdin -loglevel error -y -ss $t -i "$repo/samples/sample.mp4" -frames:v 1 -vf scale=224:224 \
    -pix_fmt rgb24 -f rawvideo "frames/f$t.rgb"
done
(cd tfjs && npm init -y >/dev/null && npm install --no-audit --no-fund @tensorflow/tfjs-core@4.22.0 \
  @tensorflow/tfjs-layers@4.22.0 @tensorflow/tfjs-backend-cpu@4.22.0 >/dev/null 2>&1)
NODE_PATH="$work/tfjs/node_modules" node "$here/tfjs_reference.js" package "$KERAS_LAYER" frames/*.rgb 2>/dev/null > ref.json
"$PY" "$here/parity.py" "$NAME.pt" logits.pt ref.json frames | tee parity.json

cp "$NAME.pt" "$repo/models/$NAME.pt"
cat > "$repo/models/$NAME.pt.json" <<JSON
{"name": "$NAME", "input_size": 224, "resize": "stretch", "align_corners": true, "scale": 255, "mean": [0, 0, 0], "std": [1, 1, 1]}
JSON
cp parity.json "$here/parity.json"
# The C++ parity test's fixture: two frames and TensorFlow.js's embeddings of them.
mkdir -p "$repo/tests/data"
cat frames/f1.rgb frames/f20.rgb > "$repo/tests/data/default_model_frames.rgb"
"$PY" - ref.json "$repo/tests/data/default_model_reference.json" <<'PY'
import json, sys
ref = json.load(open(sys.argv[1]))
keep = [f for f in ref["frames"] if f["frame"] in ("f1.rgb", "f20.rgb")]
json.dump({"tfjs": ref["tfjs"], "layer": ref["layer"], "frames": [f["frame"] for f in keep],
           "embeddings": [f["embedding"] for f in keep]}, open(sys.argv[2], "w"))
PY
sha256sum "$repo/models/$NAME.pt"
