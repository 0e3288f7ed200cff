#!/usr/bin/env bash
# Video benchmark of docs/benchmarks.md: end-to-end summarizing against FFmpeg's decode-only time on the same file,
# in one run. Clips: 60 s of testsrc2 with temporal noise, H.264 (x264 veryfast, about 2 Mbit/s at 480p and
# 6 Mbit/s at 1080p), a key frame every 250 frames (10 s, long GOP) or every 50 frames (2 s).
# For each clip: `ffmpeg -i X -f null -` (decode only, all threads) alternating with cords-summarize with histogram
# features, --fraction 0.05 (the budget the recorded figures used; the default is now automatic) and the default
# outputs (ROUNDS times, default 3; the median ratio is reported), then cords-summarize
# without outputs (decode + embed + select), and --fast (key frames only), with and without outputs.
# Usage: [ROUNDS=3] bench/run_video_bench.sh [build-dir]     Writes bench/results/video-DATE.txt (about 15 minutes)
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${1:-build}/src/cords-summarize"
[ -x "$bin" ] || { echo "build first" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p bench/results
out="bench/results/video-$(date +%Y-%m-%d).txt"
: > "$out"
now() { date +%s.%N; }
clip() {  # name size bitrate gop [seconds]
  ffmpeg -nostdin -hide_banner -loglevel error -y -f lavfi -i "testsrc2=s=$2:r=25:d=${5:-60},noise=alls=6:allf=t" \
    -c:v libx264 -preset veryfast -b:v "$3" -maxrate "$3" -bufsize "$3" -g "$4" -pix_fmt yuv420p "$work/$1.mp4"
}
clip v480 854x480 2M 250
clip v1080 1920x1080 6M 250
clip v1080g50 1920x1080 6M 50
clip v1080long 1920x1080 6M 250 300
rounds="${ROUNDS:-3}"
printf '%-10s %10s %10s %10s %10s %10s %10s %12s %16s\n' clip decode_s full_s full/dec select_s sel/dec fast_x fast_bare_x full/dec_rounds | tee -a "$out"
for c in v480 v1080 v1080g50 v1080long; do
  f="$work/$c.mp4"
  # Decode-only and the default full run alternate, $rounds times: the machine is shared, and the median of the
  # paired ratios is steadier than any one run. The other modes run once.
  pairs=()
  for r in $(seq "$rounds"); do
    t0=$(now); ffmpeg -nostdin -loglevel error -i "$f" -f null -; t1=$(now)
    "$bin" "$f" -o "$work/o" --force -q --features histogram --fraction 0.05; t2=$(now)
    pairs+=("$t0" "$t1" "$t2")
  done
  "$bin" "$f" -o "$work/o" --force -q --features histogram --fraction 0.05 --no-clip --no-sheet --no-keyframes; t3=$(now)
  "$bin" "$f" -o "$work/o" --force -q --features histogram --fraction 0.05 --fast; t4=$(now)
  "$bin" "$f" -o "$work/o" --force -q --features histogram --fraction 0.05 --fast --no-clip --no-sheet --no-keyframes; t5=$(now)
  python3 - "$c" "$t2" "$t3" "$t4" "$t5" "${pairs[@]}" <<'PY' | tee -a "$out"
import statistics, sys
c, t2, t3, t4, t5 = sys.argv[1], *map(float, sys.argv[2:6])
p = list(map(float, sys.argv[6:]))
dec = [p[i + 1] - p[i] for i in range(0, len(p), 3)]
full = [p[i + 2] - p[i + 1] for i in range(0, len(p), 3)]
ratios = [f / d for f, d in zip(full, dec)]
m = sorted(range(len(ratios)), key=lambda i: ratios[i])[len(ratios) // 2]  # the round with the median ratio
d, sel, fast, fast_bare = dec[m], t3 - t2, t4 - t3, t5 - t4
rs = "/".join(f"{r:.2f}" for r in ratios)
print(f"{c:<10} {d:10.2f} {full[m]:10.2f} {ratios[m]:10.2f} {sel:10.2f} {sel/d:10.2f} {d/fast:10.1f} {d/fast_bare:12.1f} {rs:>16}")
PY
done
t0=$(now); "$bin" --help > /dev/null; t1=$(now)
python3 -c "import sys; print(f'process start-up (cords-summarize --help): {float(sys.argv[2]) - float(sys.argv[1]):.2f} s')" "$t0" "$t1" | tee -a "$out"
echo "(decode_s, full_s: the round with the median full/decode ratio of $rounds alternations, all listed in full/dec_rounds; select_s: decode + embed + select without outputs; fast_x: decode-only time / --fast time with the default outputs; fast_bare_x: the same without clip, sheet and keyframe images; the other modes are compared with the median round's decode time; machine: $(nproc) cores, $(date -I))" | tee -a "$out"
