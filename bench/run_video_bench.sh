#!/usr/bin/env bash
# Video benchmark of docs/benchmarks.md: end-to-end summarizing against FFmpeg's decode-only time on the same file,
# in one run. Clips: 60 s of testsrc2 with temporal noise, H.264 (x264 veryfast, about 2 Mbit/s at 480p and
# 6 Mbit/s at 1080p), a key frame every 250 frames (10 s, long GOP) or every 50 frames (2 s).
# For each clip: `ffmpeg -i X -f null -` (decode only, all threads), then cords-summarize with histogram features
# (default outputs), without outputs (decode + embed + select), and --fast (key frames only).
# Usage: bench/run_video_bench.sh [build-dir]     Writes bench/results/video-DATE.txt
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
printf '%-10s %10s %10s %10s %10s %10s %10s %12s\n' clip decode_s full_s full/dec select_s sel/dec fast_x fast_bare_x | tee -a "$out"
for c in v480 v1080 v1080g50 v1080long; do
  f="$work/$c.mp4"
  t0=$(now); ffmpeg -nostdin -loglevel error -i "$f" -f null -; t1=$(now)
  "$bin" "$f" -o "$work/o" --force -q --features histogram; t2=$(now)
  "$bin" "$f" -o "$work/o" --force -q --features histogram --no-clip --no-sheet --no-keyframes; t3=$(now)
  "$bin" "$f" -o "$work/o" --force -q --features histogram --fast; t4=$(now)
  "$bin" "$f" -o "$work/o" --force -q --features histogram --fast --no-clip --no-sheet --no-keyframes; t5=$(now)
  python3 - "$c" "$t0" "$t1" "$t2" "$t3" "$t4" "$t5" <<'PY' | tee -a "$out"
import sys
c, t0, t1, t2, t3, t4, t5 = sys.argv[1], *map(float, sys.argv[2:])
dec, full, sel, fast, fast_bare = t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4
print(f"{c:<10} {dec:10.2f} {full:10.2f} {full/dec:10.2f} {sel:10.2f} {sel/dec:10.2f} {dec/fast:10.1f} {dec/fast_bare:12.1f}")
PY
done
t0=$(now); "$bin" --help > /dev/null; t1=$(now)
python3 -c "import sys; print(f'process start-up (cords-summarize --help): {float(sys.argv[2]) - float(sys.argv[1]):.2f} s')" "$t0" "$t1" | tee -a "$out"
echo "(fast_x: decode-only time / --fast time with the default outputs; fast_bare_x: the same without clip, sheet and keyframe images; machine: $(nproc) cores, $(date -I))" | tee -a "$out"
