#!/usr/bin/env bash
# The Python package as a user installs it from the checkout: pip into a fresh venv (--system-site-packages for
# Debian's numpy), offline and without build isolation (docs/python.md); then a known answer: three clusters,
# facility location picks one point of each; and the executable that came with it: summarize() and the
# cords-summarize console script on the bundled sample, with the bundled CNN.
#   tests/pip_install.sh SOURCE_DIR [PYTHON]
set -euo pipefail
src=$1 py=${2:-/usr/bin/python3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$py" -m venv --system-site-packages "$work/venv"
(cd "$work" && "$work/venv/bin/pip" install -q --no-build-isolation --no-index "$src")
cd "$work"
"$work/venv/bin/python" - <<'PY'
import numpy as np
import cords_summarize as cs
assert "venv" in cs.__file__, cs.__file__
x = np.zeros((12, 3), np.float32)
for c in range(3):
    x[4 * c:4 * c + 4, c] = 1
    x[4 * c:4 * c + 4, (c + 1) % 3] = np.arange(4) * 0.01
r = cs.select(x, budget=3)
assert sorted(i // 4 for i in r.selected) == [0, 1, 2], r.selected
print("pip_install: installed into a venv and selected", r.selected)
try:
    import torch
except ImportError:
    torch = None
if torch is not None:  # the loaders came along: their extension was built against the LibTorch python3-torch uses
    from cords_summarize.torch import AdaptiveLoader
    data = torch.utils.data.TensorDataset(torch.from_numpy(np.repeat(x, 10, axis=0)), torch.arange(120) // 40)
    loader = AdaptiveLoader(data, torch.nn.Sequential(torch.nn.Linear(3, 3)), "craig", fraction=0.1, epochs=3, select_every=2)
    for _ in range(3):
        list(loader)
    assert loader.selections == 1 and len(loader.indices) == 12, (loader.selections, loader.indices)
    print("pip_install: cords_summarize.torch selected", sorted(loader.indices.tolist()))
PY
if pkg-config --exists libavformat libavcodec libswscale && [ ! -x "$work/venv/bin/cords-summarize" ]; then
  echo "pip_install: FFmpeg's development files are here, but the package came without its executable" >&2
  exit 1
fi
if [ -x "$work/venv/bin/cords-summarize" ]; then
  "$work/venv/bin/cords-summarize" --version
  "$work/venv/bin/python" - "$src/samples/sample.mp4" <<'PY'
import os, sys
import cords_summarize as cs
assert "_prefix" in cs._executable(), cs._executable()
m = cs.summarize(sys.argv[1], "pip-summary", budget=4)
assert len(m["keyframes"]) == 4, m["keyframes"]
assert m["parameters"]["embedder"].startswith("cnn:"), m["parameters"]["embedder"]  # the bundled model was found
for f in ("summary.mp4", "sheet.jpg", "index.html", "thumbnails.vtt"):
    assert os.path.getsize(os.path.join("pip-summary", f)) > 0, f
print("pip_install: summarize() ran the bundled executable:", len(m["keyframes"]), "keyframes,", m["parameters"]["embedder"])
PY
  "$work/venv/bin/cords-summarize" "$src/samples/sample.mp4" -o cli-summary -q --features histogram
  test -s cli-summary/summary.json
  echo "pip_install: the cords-summarize console script summarized the sample"
fi
