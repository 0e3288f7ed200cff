#!/usr/bin/env bash
# The conformance run (docs/conformance.md): makes the corpus with Debian's ffmpeg and checks cords-summarize on every
# file of it, and on real files from Debian packages when asked.
# Usage: scripts/conformance/run.sh [--sample] [--real] [--tool PATH] [--work DIR] [--jobs N]
#   --sample   the short, wide selection CI runs (about 35 files; a minute or two on 2 cores)
#   --real     also the real videos of Debian packages (scripts/conformance/get-debian-media.sh, needs the archive)
#   --tool     the executable (default build/src/cords-summarize); --work: where corpus and outputs go
#              (default build/conformance); --jobs: files checked at once (default 2)
set -euo pipefail
cd "$(dirname "$0")/../.."
tool=build/src/cords-summarize work=build/conformance jobs=2 sample="" real=""
while [ $# -gt 0 ]; do
  case "$1" in
    --sample) sample=--sample ;;
    --real) real=1 ;;
    --tool) tool="$2"; shift ;;
    --work) work="$2"; shift ;;
    --jobs) jobs="$2"; shift ;;
    *) echo "conformance: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
py=/usr/bin/python3  # Debian's (a python3 earlier on PATH may be another install)
corpus="$work/corpus${sample:+-sample}"
rm -rf "$corpus" "$work/out${sample:+-sample}"
"$py" scripts/conformance/corpus.py "$corpus" $sample 2> "$work.corpus.log" || { cat "$work.corpus.log" >&2; exit 1; }
tail -n 1 "$work.corpus.log" >&2
extra=()
if [ -n "$real" ]; then
  bash scripts/conformance/get-debian-media.sh "$work/debian-media" >&2
  extra=(--real "$work/debian-media")
fi
exec "$py" scripts/conformance/check.py "$tool" "$corpus" "$work/out${sample:+-sample}" --jobs "$jobs" "${extra[@]}"
