#!/usr/bin/env bash
# Builds everything and runs the test suites: the README's test command and what CI runs.
#   1. installs dependencies (scripts/install-deps.sh; fast when present),
#   2. release build + every test (ctest),
#   3. AddressSanitizer + UndefinedBehaviorSanitizer build of the selector and core tests.
# Usage: scripts/test.sh            Environment: CORDS_JOBS (default: nproc), CORDS_SKIP_SANITIZE=1
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh

jobs="${CORDS_JOBS:-$(nproc)}"
export CCACHE_DIR="${CCACHE_DIR:-$PWD/.cache/ccache}"

echo "== release build and tests"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "$jobs"
ctest --test-dir build --output-on-failure -j "$jobs" -LE gpu

if [ "${CORDS_SKIP_SANITIZE:-0}" != "1" ]; then
  echo "== sanitizer build (ASan + UBSan) of the selector and core tests"
  cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCORDS_SANITIZE=ON -DCORDS_BUILD_BENCH=OFF \
    -DCORDS_BUILD_CLI=OFF -DCORDS_WITH_TORCH=OFF -DCORDS_WITH_VIDEO=OFF -DCMAKE_CXX_FLAGS="-O1" >/dev/null
  cmake --build build-asan -j "$jobs" --target select_test core_test
  # LeakSanitizer cannot run under ptrace-restricted sandboxes; leaks are not what this build hunts.
  ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=print_stacktrace=1 \
    ctest --test-dir build-asan --output-on-failure -j "$jobs" -L unit
fi
