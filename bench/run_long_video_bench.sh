#!/usr/bin/env bash
# The long-video cases of issue 17 on this machine, each against FFmpeg in the same run (docs/benchmarks.md):
#   1 h of 1080p25 H.264 (8 Mbit/s, GOP 50, film grain), --fast, against `ffmpeg -skip_frame nokey -i F -f null -`;
#   5 min of the same, the default run, against `ffmpeg -i F -f null -` (decode only);
#   30 s of the same, the default run, against the same.
# The media: 10 s of testsrc2 with noise=alls=10:allf=t, x264 veryfast at 8 Mbit/s (scene cuts off), repeated with
# the concat demuxer (-c copy) into 30 s, 5 min and 1 h (3.6 GB under WORK). The CNN is the bundled default model.
#   bench/run_long_video_bench.sh [WORK]     (default /tmp/cords-long; HOUR=0 skips the hour)
# Wraps scripts/gpu-video-timings.sh (which also runs on machines without a GPU: its NVDEC rows then fall back).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-/tmp/cords-long}
mkdir -p "$work"
chunk="$work/chunk10.mp4"
[ -f "$chunk" ] || ffmpeg -nostdin -hide_banner -loglevel error -y \
  -f lavfi -i "testsrc2=s=1920x1080:r=25:d=10,noise=alls=10:allf=t" -c:v libx264 -preset veryfast \
  -b:v 8M -maxrate 8M -bufsize 16M -g 50 -keyint_min 50 -sc_threshold 0 -pix_fmt yuv420p "$chunk"
lscpu | grep -E 'Model name|^CPU\(s\)'
DEVICE=cpu SKIP_NVDEC=1 HOUR_CHUNKS=$([ "${HOUR:-1}" = 0 ] && echo 1 || echo 360) FIVE_CHUNKS=30 THIRTY_CHUNKS=3 \
  bash "$repo/scripts/gpu-video-timings.sh" "$repo/build/src/cords-summarize" "$(command -v ffmpeg)" "$chunk" "$work/results"
