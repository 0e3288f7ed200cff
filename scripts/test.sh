#!/usr/bin/env bash
# Builds everything and runs the test suites: the README's test command and what CI runs.
#   1. installs dependencies (scripts/install-deps.sh; fast when present),
#   2. release build with warnings as errors + every test (ctest; the safety rules of docs/cli.md are the label
#      `safety`; the style checks check_format, check_layers, check_function_size), then clang-tidy over src/,
#   3. AddressSanitizer + UndefinedBehaviorSanitizer build of the selector, core, CLI, video, batch and safety tests,
#      the fuzz replays and the conformance sample (everything but the LibTorch parts), without -march=native
#      (CORDS_NATIVE=OFF): the tests also pass on code built for any x86-64 CPU, not just the build machine's,
#   4. ThreadSanitizer build (clang; LLVM's OpenMP runtime, whose threads TSan sees through Archer) of the threaded
#      parts: the bounded queues between decoder, embedder and encoder threads, range and keyframe decoders, batch
#      jobs and worker processes, the kNN scan (OpenMP) and its BLAS hand-over; no finding may be reported,
#   5. the fuzz targets (the parsers, the video path) under libFuzzer (clang), CORDS_FUZZ_SECONDS (default 60) each
#      (scripts/fuzz.sh).
# Usage: scripts/test.sh            Environment: CORDS_JOBS (default: nproc), CORDS_SKIP_SANITIZE=1, CORDS_SKIP_FUZZ=1,
#                                                CORDS_SKIP_TIDY=1, CORDS_SKIP_TSAN=1
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh

jobs="${CORDS_JOBS:-$(nproc)}"
export CCACHE_DIR="${CCACHE_DIR:-$PWD/.cache/ccache}"

echo "== release build and tests"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DCORDS_WERROR=ON >/dev/null
cmake --build build -j "$jobs"
ctest --test-dir build --output-on-failure -j "$jobs" -LE gpu

if [ "${CORDS_SKIP_TIDY:-0}" != "1" ]; then
  echo "== clang-tidy (.clang-tidy's checks over src/)"
  CORDS_JOBS="$jobs" bash scripts/check-tidy.sh build
fi

if [ "${CORDS_SKIP_SANITIZE:-0}" != "1" ]; then
  echo "== sanitizer build (ASan + UBSan): selector, core, CLI, video, batch and safety tests, fuzz replays"
  cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCORDS_SANITIZE=ON -DCORDS_BUILD_BENCH=OFF \
    -DCORDS_WITH_TORCH=OFF -DCORDS_WITH_VIDEO=ON -DCORDS_NATIVE=OFF -DCMAKE_CXX_FLAGS="-O1" >/dev/null
  cmake --build build-asan -j "$jobs" --target select_test core_test cli_test video_test safety_test archive_test \
    fuzz_replay_npy fuzz_replay_csv fuzz_replay_idx fuzz_replay_cifar fuzz_replay_report fuzz_replay_video \
    cords-summarize
  # LeakSanitizer cannot run under ptrace-restricted sandboxes; leaks are not what this build hunts.
  ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=print_stacktrace=1 \
    ctest --test-dir build-asan --output-on-failure -j "$jobs" -L 'unit|media|safety|conformance' -LE gpu
fi

if [ "${CORDS_SKIP_TSAN:-0}" != "1" ]; then
  echo "== ThreadSanitizer build: queues, range and keyframe decoders, batch jobs and workers, the kNN scan"
  archer=$(ls /usr/lib/llvm-*/lib/libarcher.so 2>/dev/null | sort -V | tail -1)
  [ -n "$archer" ] || { echo "test.sh: LLVM's libarcher.so not found (libomp-dev)" >&2; exit 1; }
  CC=clang CXX=clang++ cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCORDS_TSAN=ON \
    -DCORDS_BUILD_BENCH=OFF -DCORDS_WITH_TORCH=OFF -DCORDS_WITH_VIDEO=ON -DCORDS_NATIVE=OFF -DCMAKE_CXX_FLAGS="-O1" >/dev/null
  cmake --build build-tsan -j "$jobs" --target core_test select_test video_test cords-summarize
  # halt_on_error: a report fails the test. Libraries built without TSan (FFmpeg, OpenBLAS) are not checked.
  OMP_TOOL_LIBRARIES="$archer" TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 ignore_noninstrumented_modules=1" \
    ctest --test-dir build-tsan --output-on-failure -j "$jobs" \
      -R '^(BoundedQueue\.|Knn\.|Summarize\.(RangeDecodersMatchOneDecoder|BundledSampleGetsOneKeyframePerShot|ClipSoundStaysInStepAtEveryJoint)|Batch\.(SummarizesGoodFilesRecordsBadOnesAndResumes|ShardsAsSeparateProcessesDoEveryVideoExactlyOnce))'
fi

if [ "${CORDS_SKIP_FUZZ:-0}" != "1" ]; then
  echo "== fuzzing the parsers (libFuzzer + ASan + UBSan), ${CORDS_FUZZ_SECONDS:-60} s per target"
  bash scripts/fuzz.sh "${CORDS_FUZZ_SECONDS:-60}"
fi
