#!/usr/bin/env bash
# Fuzzes the parsers (.npy, CSV, IDX, CIFAR-10 records, batch shard reports) and the video path (demuxing, decoding,
# sound and a whole summary of tiny media files) with libFuzzer under ASan + UBSan:
# builds tests/fuzz with clang into build-fuzz/, then runs each target for a bounded time from its seed corpus
# (tests/fuzz/corpus/<target>, copied: the seeds stay as committed). Any crash, sanitizer report, leak, timeout
# (10 s an input; 20 s for video) or memory over 1 GiB (2 GiB for video) fails the run; libFuzzer writes the input to
# build-fuzz/findings/.
#
# Usage: scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]       (default: 60 s each; all six targets)
#   scripts/fuzz.sh 3600 npy          an hour on the .npy reader
# A finding: add it to tests/fuzz/corpus/<target>/ (the replay tests then run it on every build), fix, rerun.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(npy csv idx cifar report video)

export CCACHE_DIR="${CCACHE_DIR:-$PWD/.cache/ccache}"
cmake -S tests/fuzz -B build-fuzz -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-fuzz -j "${CORDS_JOBS:-$(nproc)}"

mkdir -p build-fuzz/findings
status=0
# A parser's input must take at most 10 s and 1 GiB; a video's whole summary (decoders, an H.264 encoder, under the
# sanitizers) 20 s and 2 GiB.
limits() {
  if [ "$1" = video ]; then echo "-timeout=20 -rss_limit_mb=2048"; else echo "-timeout=10 -rss_limit_mb=1024"; fi
}
run_one() {
  local t=$1 corpus=build-fuzz/corpus-$1
  rm -rf "$corpus" && mkdir -p "$corpus" && cp tests/fuzz/corpus/"$t"/* "$corpus"/
  # Leak checks need ptrace, which some sandboxes refuse: leaks are not what this hunts (detect_leaks=0).
  if ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
     build-fuzz/fuzz_"$t" -max_total_time="$seconds" $(limits "$t") -max_len=65536 \
       -artifact_prefix=build-fuzz/findings/"$t"- -print_final_stats=1 "$corpus" >build-fuzz/fuzz_"$t".log 2>&1; then
    echo "fuzz $t: $(grep -E 'stat::number_of_executed_units' build-fuzz/fuzz_"$t".log | awk '{print $2}') runs in ${seconds}s, no findings"
  else
    echo "fuzz $t: FINDING (log: build-fuzz/fuzz_$t.log)"; tail -30 build-fuzz/fuzz_"$t".log
    return 1
  fi
}
# Two at a time: one per core on the 2-core build machines.
pids=()
for t in "${targets[@]}"; do
  run_one "$t" & pids+=($!)
  if [ ${#pids[@]} -ge "${CORDS_FUZZ_PARALLEL:-2}" ]; then wait "${pids[0]}" || status=1; pids=("${pids[@]:1}"); fi
done
for p in "${pids[@]}"; do wait "$p" || status=1; done
[ $status -eq 0 ] && echo "fuzz: ${#targets[@]} targets, ${seconds}s each: 0 findings"
exit $status
