#!/usr/bin/env bash
# Checks that every C++ file of the tree is formatted as .clang-format says (clang-format 14, Debian 12's), and prints
# the files that are not with the command that fixes them. Exits 0 when all are clean, 1 otherwise.
# Option tables that read better one option per line are fenced with `// clang-format off/on` (docs/architecture.md).
#   scripts/check-format.sh [SOURCE_DIR]        Fix everything: scripts/check-format.sh --fix
set -euo pipefail
fix=0
if [ "${1:-}" = "--fix" ]; then fix=1; shift; fi
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$root"
cf=$(command -v clang-format-14 || command -v clang-format || true)
if [ -z "$cf" ]; then
  echo "check-format: clang-format not found (apt-get install clang-format; scripts/install-deps.sh does)" >&2
  exit 1
fi
mapfile -t files < <(git ls-files 'src/*.cpp' 'src/*.h' 'src/*.cu' 'tests/*.cpp' 'tests/*.h' 'bench/*.cpp' \
  'bench/*.h' 'examples/*.cpp' 'examples/*.h' 2>/dev/null || find src tests bench examples -name '*.cpp' -o -name '*.h')
if [ "$fix" = 1 ]; then
  "$cf" -i --style=file "${files[@]}"
  exit 0
fi
bad=0
for f in "${files[@]}"; do
  if ! "$cf" --style=file "$f" | cmp -s "$f" -; then
    echo "check-format: $f is not clang-format clean"
    bad=1
  fi
done
if [ "$bad" = 1 ]; then
  echo "check-format: run scripts/check-format.sh --fix (clang-format $("$cf" --version | grep -o '[0-9][0-9.]*' | head -1))"
fi
exit "$bad"
