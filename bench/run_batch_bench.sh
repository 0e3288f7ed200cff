#!/usr/bin/env bash
# Batch throughput of docs/benchmarks.md: the 14 Planet Blupi cut-scenes (Debian planetblupi-common: Cinepak and
# MS Video-1 in MKV) plus 4 broken files, summarized with --jobs 1 and --jobs 2, default options.
# Usage: bench/run_batch_bench.sh [build-dir]     Prints videos/min and the outcome of each run.
set -euo pipefail
cd "$(dirname "$0")/.."
bin="$(pwd)/${1:-build}/src/cords-summarize"
[ -x "$bin" ] || { echo "build first" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get download planetblupi-common >/dev/null 2>&1 && dpkg -x planetblupi-common_*.deb x)
mkdir -p "$work/in"
cp "$work"/x/usr/share/planetblupi/movie/*.mkv "$work/in/"
echo 'not a video' > "$work/in/broken_text.mp4"
: > "$work/in/broken_empty.mkv"
head -c 30000 "$work/in/play101.mkv" > "$work/in/broken_cut.mkv"
head -c 20000 "$work/in/history2.mkv" > "$work/in/broken_head.mkv"
for j in 1 2; do
  s=$(date +%s.%N)
  set +e; "$bin" "$work/in" -o "$work/out$j" --jobs "$j" -q; rc=$?; set -e
  e=$(date +%s.%N)
  python3 - "$work/out$j/report.json" "$j" "$rc" "$s" "$e" <<'PY'
import json, sys, collections
r = json.load(open(sys.argv[1])); j, rc, s, e = sys.argv[2], sys.argv[3], float(sys.argv[4]), float(sys.argv[5])
c = collections.Counter(i["status"] for i in r["items"])
print(f"--jobs {j}: {len(r['items'])} videos in {e - s:.1f} s = {len(r['items']) / ((e - s) / 60):.0f} videos/min; "
      f"{dict(c)}; exit code {rc}")
PY
done
