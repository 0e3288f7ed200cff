#!/usr/bin/env bash
# Runs the agreed clang-tidy checks (.clang-tidy) over the project's sources in src/, using the compile commands of
# a configured build (CMAKE_EXPORT_COMPILE_COMMANDS is on). Prints every finding; exits 1 when there is one.
#   scripts/check-tidy.sh [BUILD_DIR]          Environment: CORDS_JOBS (default: nproc)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
tidy=$(command -v clang-tidy-14 || command -v clang-tidy || true)
[ -n "$tidy" ] || { echo "check-tidy: clang-tidy not found (scripts/install-deps.sh installs it)" >&2; exit 1; }
[ -f "$build/compile_commands.json" ] || { echo "check-tidy: no $build/compile_commands.json (configure first)" >&2; exit 1; }
# The project's own translation units under src/ (not the CUDA ones: clang-tidy 14 knows no nvcc flags).
mapfile -t files < <(/usr/bin/python3 - "$build/compile_commands.json" "$root/src/" <<'PY'
import json, os, sys
seen = set()
for e in json.load(open(sys.argv[1])):
    f = os.path.normpath(os.path.join(e["directory"], e["file"]))
    if f.startswith(sys.argv[2]) and f.endswith(".cpp") and f not in seen:
        seen.add(f)
        print(f)
PY
)
log=$(mktemp)
trap 'rm -f "$log"' EXIT
printf '%s\n' "${files[@]}" | xargs -P "${CORDS_JOBS:-$(nproc)}" -n 1 "$tidy" -p "$build" --quiet --extra-arg=-Wno-ignored-optimization-argument > "$log" 2>&1 || true
if grep -E '(warning|error): .*\[[a-z]' "$log"; then
  echo "check-tidy: findings above (${#files[@]} files checked; .clang-tidy lists the checks)"
  exit 1
fi
echo "check-tidy: ${#files[@]} files clean"
