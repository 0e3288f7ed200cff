#!/usr/bin/env bash
# The Python package as a user installs it from the checkout: pip into a fresh venv (--system-site-packages for
# Debian's numpy), offline and without build isolation (docs/python.md); then a known answer: three clusters,
# facility location picks one point of each.
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
PY
