#!/usr/bin/python3
"""Runs cords-summarize on every file of a conformance corpus (corpus.py) and checks what a user relies on.

    scripts/conformance/check.py CORDS_SUMMARIZE CORPUS OUT [--jobs N] [--real DIR ...] [--options "..."]

For a file with pictures: exit 0; summary.json parses; at least one keyframe, each image on disk and decodable, times
inside the video and in order, each keyframe in a listed shot; the sheet decodes; the clip has pictures, and sound
exactly when the input has sound the clip can carry (inputs of --real DIR: sound when ffprobe finds an audio
stream). For a file without decodable pictures: exit 3 and one line on stderr. Never a signal, a timeout (120 s)
or exit 1. Prints one line per file and a summary, writes OUT/results.json, and exits 1 when any file fails.
"""
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

TIMEOUT_S = 120


def probe(path, entries="stream=codec_type,codec_name,width,height,channels:format=duration"):
    r = subprocess.run(["ffprobe", "-v", "error", "-show_entries", entries, "-of", "json", path],
                       capture_output=True, text=True)
    return json.loads(r.stdout) if r.returncode == 0 and r.stdout.strip() else None


def decodes(path):
    """Whether ffmpeg decodes the file's first picture."""
    r = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", path, "-frames:v", "1", "-f", "null", "-"],
                       capture_output=True, text=True)
    return r.returncode == 0


def check_summary(out, sound):
    """The problems with a summary folder ([] when none)."""
    problems = []
    try:
        with open(os.path.join(out, "summary.json")) as f:
            m = json.load(f)
    except Exception as e:  # noqa: BLE001 - any failure to read it is the finding
        return [f"summary.json unreadable: {e}"]
    kf = m.get("keyframes", [])
    if not kf:
        problems.append("no keyframes")
    duration = m["input"].get("duration") or 0
    frame = 1.0 / (m["input"]["fps"]["value"] or 25) if m["input"].get("fps") else 0.04
    times = [k["time"] for k in kf]
    if times != sorted(times):
        problems.append("keyframes not in time order")
    for k in kf:
        if k["time"] < 0 or (duration > 0 and k["time"] > duration + frame + 1e-6):
            problems.append(f"keyframe time {k['time']} outside [0, {duration}]")
        if not (0 <= k["shot"] < len(m.get("shots", []))):
            problems.append(f"keyframe in shot {k['shot']} of {len(m.get('shots', []))}")
        if k.get("image"):
            p = os.path.join(out, k["image"])
            if not os.path.isfile(p) or not decodes(p):
                problems.append(f"keyframe image {k['image']} missing or not decodable")
    outputs = m.get("outputs", {})
    if outputs.get("sheet") and not decodes(os.path.join(out, outputs["sheet"])):
        problems.append("contact sheet missing or not decodable")
    if outputs.get("clip"):
        info = probe(os.path.join(out, outputs["clip"]))
        kinds = [s["codec_type"] for s in (info or {}).get("streams", [])]
        if "video" not in kinds or not decodes(os.path.join(out, outputs["clip"])):
            problems.append("clip without decodable pictures")
        if sound and "audio" not in kinds:
            problems.append("clip without the input's sound")
        if not sound and "audio" in kinds:
            problems.append("clip with sound the input does not have")
    for name in outputs.get("exports", []):
        if not os.path.isfile(os.path.join(out, name)):
            problems.append(f"export {name} missing")
    return problems


def run_one(tool, path, out, expect, sound, options):
    cmd = [tool, path, "-o", out, "-q", "--force"] + options
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT_S, errors="replace")
        code, err = r.returncode, r.stderr.strip()
    except subprocess.TimeoutExpired:
        code, err = 124, f"timed out after {TIMEOUT_S} s"
    problems = []
    if code < 0 or code >= 124:
        problems.append(f"ended by signal {-code}" if code < 0 else err)
    elif expect == "summary":
        if code != 0:
            problems.append(f"exit {code}: {err.splitlines()[-1] if err else ''}")
        else:
            problems += check_summary(out, sound)
    else:  # no pictures
        if code != 3:
            problems.append(f"exit {code} (expected 3): {err}")
        elif len(err.splitlines()) != 1:
            problems.append(f"{len(err.splitlines())} lines on stderr (expected one)")
    return dict(file=os.path.basename(path), expect=expect, exit=code, problems=problems,
                message=err.splitlines()[-1] if err else "")


def real_cases(folders):
    exts = (".mp4", ".mkv", ".mov", ".avi", ".webm", ".mpg", ".mpeg", ".m4v", ".ogv", ".wmv", ".flv", ".ts", ".3gp",
            ".gif", ".dv", ".vob", ".asf")
    found = []
    for folder in folders:
        for root, _, files in os.walk(folder):
            for n in sorted(files):
                if n.lower().endswith(exts):
                    p = os.path.join(root, n)
                    info = probe(p) or {}
                    kinds = [s.get("codec_type") for s in info.get("streams", [])]
                    found.append(dict(path=p, expect="summary" if decodes(p) else "no-pictures",
                                      sound="audio" in kinds))
    return found


def main():
    args = sys.argv[1:]
    if len(args) < 3:
        sys.exit(__doc__)
    tool, corpus, out = os.path.abspath(args[0]), args[1], args[2]
    jobs = int(args[args.index("--jobs") + 1]) if "--jobs" in args else 2
    options = args[args.index("--options") + 1].split() if "--options" in args else []
    real = [args[i + 1] for i, a in enumerate(args) if a == "--real"]
    os.makedirs(out, exist_ok=True)
    todo = []
    with open(os.path.join(corpus, "cases.json")) as f:
        for c in json.load(f):
            if c["made"]:
                todo.append(dict(path=os.path.join(corpus, c["name"]), expect=c["expect"], sound=c["sound"]))
    todo += real_cases(real)
    with ThreadPoolExecutor(jobs) as pool:
        results = list(pool.map(lambda t: run_one(tool, t["path"], os.path.join(out, os.path.basename(t["path"]) +
                                                                                 ".summary"),
                                                  t["expect"], t["sound"], options), todo))
    bad = [r for r in results if r["problems"]]
    for r in results:
        print(f"{'FAIL' if r['problems'] else 'ok  '}  exit {r['exit']:3d}  {r['file']}" +
              (f"  <- {'; '.join(r['problems'])}" if r["problems"] else ""))
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump(results, f, indent=1)
    print(f"\n{len(results) - len(bad)} of {len(results)} files as expected"
          f" ({sum(r['expect'] == 'summary' for r in results)} with pictures, "
          f"{sum(r['expect'] != 'summary' for r in results)} without)")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
