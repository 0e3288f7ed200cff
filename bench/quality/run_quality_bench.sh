#!/usr/bin/env bash
# Fetches the six Debian packages the quality benchmark takes its footage from (about 200 MB of .debs, unpacked
# under WORK/src; nothing is installed), then runs bench/quality/quality_bench.py against build/src/cords-summarize.
#   bench/quality/run_quality_bench.sh [WORK]    (default /tmp/cords-quality)
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
work=${1:-/tmp/cords-quality}
mkdir -p "$work/src"
if [ ! -d "$work/src/usr/share/darknet" ]; then
  (cd "$work" && apt-get download python-nbsphinx-doc renpy-demo opencv-doc darknet lebiniou-data planetblupi-common >/dev/null \
     && for d in ./*.deb; do dpkg -x "$d" src; done && rm -f ./*.deb)
fi
/usr/bin/python3 "$repo/bench/quality/quality_bench.py" "$repo/build/src/cords-summarize" "$work/src" "$work"
