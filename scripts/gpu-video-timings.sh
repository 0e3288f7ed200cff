#!/usr/bin/env bash
# The video cases of issue 17 on the machine this runs on, each against FFmpeg in the same run:
#   1 h of 1080p H.264 (8 Mbit/s, GOP 2 s, film grain), --fast, against `ffmpeg -skip_frame nokey -i F -f null -`;
#   5 min and 30 s of the same, full decode (the default run), against `ffmpeg -i F -f null -`;
# both on the CPU (--hwaccel none) and with NVDEC (--hwaccel cuda, FFmpeg's -hwaccel cuda), plus the bundled sample
# decoded both ways (the keyframes must be the same frames). The long files are CHUNK repeated by FFmpeg's concat
# demuxer (-c copy): decoding costs the same as distinct content of that kind.
#
#   scripts/gpu-video-timings.sh CORDS_SUMMARIZE FFMPEG CHUNK OUT_DIR
#
# Env: DEVICE (default cuda: where the CNN runs), SKIP_CPU_KEY_REF, SKIP_NVDEC, HOUR_CHUNKS (default 360 ten-second
# chunks), FIVE_CHUNKS (30), THIRTY_CHUNKS (3).
# Results: OUT_DIR/video-timings.tsv and each run's summary.json; a table on stdout.
set -uo pipefail
cli=${1:?usage: gpu-video-timings.sh CORDS_SUMMARIZE FFMPEG CHUNK OUT_DIR}
ff=${2:?}
chunk=${3:?}
out=${4:?}
device=${DEVICE:-cuda}
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chunk=$(cd "$(dirname "$chunk")" && pwd)/$(basename "$chunk")
now() { date +%s.%N; }

make_long() {  # NAME CHUNKS
  for _ in $(seq "$2"); do echo "file '$chunk'"; done > "$work/$1.txt"
  "$ff" -nostdin -hide_banner -loglevel error -f concat -safe 0 -i "$work/$1.txt" -c copy -y "$work/$1.mp4"
}
t0=$(now)
make_long hour "${HOUR_CHUNKS:-360}" || exit 1
make_long five "${FIVE_CHUNKS:-30}" || exit 1
make_long thirty "${THIRTY_CHUNKS:-3}" || exit 1
echo "media: $(du -h "$work/hour.mp4" | cut -f1) + $(du -h "$work/five.mp4" | cut -f1) in $(awk "BEGIN{printf \"%.1f\", $(now) - $t0}") s"

rows=()
time_cmd() {  # LABEL TIMEOUT CMD...: seconds, or "fail"
  local label=$1 limit=$2
  shift 2
  local a b
  a=$(now)
  if timeout "$limit" "$@" > "$work/$label.log" 2>&1; then
    b=$(now)
    awk "BEGIN{printf \"%.2f\\n\", $b - $a}"
  else
    echo "fail (rc $?): $(tail -3 "$work/$label.log" | tr '\n' ' ')" >&2
    echo fail
  fi
}
summarize() {  # LABEL INPUT HWACCEL EXTRA...
  local label=$1 input=$2 hw=$3
  shift 3
  rm -rf "$work/$label.summary"
  time_cmd "$label" 900 "$cli" "$input" -o "$work/$label.summary" --device "$device" --hwaccel "$hw" --quiet "$@"
  [ -f "$work/$label.summary/summary.json" ] && cp "$work/$label.summary/summary.json" "$out/$label.summary.json"
}
row() { rows+=("$1	$2"); printf '%-44s %s\n' "$1" "$2"; }

# (FFmpeg's own key-frame decode of the hour on the CPU takes about 100 s on 16 cores; SKIP_CPU_KEY_REF=1 leaves it out.
# SKIP_NVDEC=1 leaves out the NVDEC rows, for machines without a GPU.)
nv=${SKIP_NVDEC:+skip}
[ -n "${SKIP_CPU_KEY_REF:-}" ] || row "ffmpeg -skip_frame nokey (1 h, CPU)" "$(time_cmd ref_key_cpu 900 "$ff" -nostdin -skip_frame nokey -i "$work/hour.mp4" -f null -)"
[ -n "$nv" ] || row "ffmpeg -hwaccel cuda -skip_frame nokey (1 h)" "$(time_cmd ref_key_nvdec 300 "$ff" -nostdin -hwaccel cuda -skip_frame nokey -i "$work/hour.mp4" -f null -)"
row "cords-summarize --fast (1 h, CPU decode)" "$(summarize fast_cpu "$work/hour.mp4" none --fast)"
[ -n "$nv" ] || row "cords-summarize --fast (1 h, NVDEC)" "$(summarize fast_nvdec "$work/hour.mp4" cuda --fast)"
row "ffmpeg decode-only (5 min, CPU)" "$(time_cmd ref_full_cpu 900 "$ff" -nostdin -i "$work/five.mp4" -f null -)"
[ -n "$nv" ] || row "ffmpeg -hwaccel cuda decode-only (5 min)" "$(time_cmd ref_full_nvdec 300 "$ff" -nostdin -hwaccel cuda -i "$work/five.mp4" -f null -)"
row "cords-summarize default (5 min, CPU decode)" "$(summarize full_cpu "$work/five.mp4" none)"
[ -n "$nv" ] || row "cords-summarize default (5 min, NVDEC)" "$(summarize full_nvdec "$work/five.mp4" cuda)"
row "ffmpeg decode-only (30 s, CPU)" "$(time_cmd ref_thirty_cpu 300 "$ff" -nostdin -i "$work/thirty.mp4" -f null -)"
row "cords-summarize default (30 s, CPU decode)" "$(summarize thirty_cpu "$work/thirty.mp4" none)"
sample=$(dirname "$0")/../samples/sample.mp4
row "cords-summarize sample.mp4 (CPU decode)" "$(summarize sample_cpu "$sample" none)"
[ -n "$nv" ] || row "cords-summarize sample.mp4 (NVDEC)" "$(summarize sample_nvdec "$sample" cuda)"
printf '%s\n' "${rows[@]}" > "$out/video-timings.tsv"

# What each run decoded on, its stage times, and whether NVDEC picked the same keyframes as the CPU decoder.
python3 - "$out" <<'EOF'
import json, os, sys
out = sys.argv[1]
def load(label):
    p = os.path.join(out, label + ".summary.json")
    return json.load(open(p)) if os.path.exists(p) else None
for label in ["fast_cpu", "fast_nvdec", "full_cpu", "full_nvdec", "thirty_cpu", "sample_cpu", "sample_nvdec"]:
    m = load(label)
    if m:
        t = m["timings_s"]
        print(f"{label:13s} decoded_on={m['input'].get('decoded_on')} workers={m.get('decode_workers')} sampled={m.get('sampled_frames', m.get('sampled'))} "
              f"keyframes={len(m['keyframes'])} decode+embed={t['decode_embed']:.2f} select={t['select']:.2f} "
              f"write={t['write']:.2f} total={t['total']:.2f} warnings={m.get('warnings')}")
rows = dict(l.rstrip("\n").split("\t") for l in open(os.path.join(out, "video-timings.tsv")) if "\t" in l)
def ratio(a, b):
    try:
        return f"{float(rows[a]) / float(rows[b]):.2f}x"
    except (KeyError, ValueError):
        return "n/a"
print("ratios: 1 h --fast / ffmpeg nokey", ratio("cords-summarize --fast (1 h, CPU decode)", "ffmpeg -skip_frame nokey (1 h, CPU)"),
      "| 5 min default / ffmpeg decode-only", ratio("cords-summarize default (5 min, CPU decode)", "ffmpeg decode-only (5 min, CPU)"),
      "| 30 s default / ffmpeg decode-only", ratio("cords-summarize default (30 s, CPU decode)", "ffmpeg decode-only (30 s, CPU)"))
for a, b in [("fast_cpu", "fast_nvdec"), ("full_cpu", "full_nvdec"), ("sample_cpu", "sample_nvdec")]:
    ma, mb = load(a), load(b)
    if ma and mb:
        fa = [k["frame"] for k in ma["keyframes"]]
        fb = [k["frame"] for k in mb["keyframes"]]
        same = len(set(fa) & set(fb))
        print(f"{a} vs {b}: {same} of {len(fa)} keyframes are the same frames")
EOF
