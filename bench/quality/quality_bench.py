#!/usr/bin/python3
"""Shot and keyframe quality on real footage, against FFmpeg's scene score in the same run (issue 15).

Builds one benchmark video from single-shot excerpts of clips in six Debian packages (python-nbsphinx-doc,
renpy-demo, opencv-doc, darknet, lebiniou-data, planetblupi-common; bench/quality/run_quality_bench.sh fetches them),
joined by hard cuts, cross-dissolves and fades through black, 640x360 at 24 fps, H.264 without scene-cut key frames
(-x264-params scenecut=0). Ground truth is known by construction: every excerpt is one shot (the sources' own cuts
fall between excerpts: the 1906 film's at 5.4 s, the launch's at 3.09 s, Megamind's at 4.13, 6.46 and 8.38 s).

Reports, for cords-summarize's default settings: hard-cut recall and precision at +-3 frames, soft transitions
found, keyframes inside black/fade/dissolve spans, distinct shots covered with --budget = number of shots and with
half of it, near-duplicate keyframe pairs, the automatic budget's keyframes against the distinct shots, boundaries
that differ between --sample-fps 2 and 10; the same cut figures for FFmpeg's scene score (select='gt(scene,T)') at T = 0.3 and at
its best T; and the cost of the per-frame statistics (default run against --no-shots, alternating).

usage: quality_bench.py CORDS_SUMMARIZE SOURCES_DIR WORK_DIR
"""
import json
import os
import subprocess
import sys
import time

FPS = 24
TOL = 3  # frames

cli, src, work = sys.argv[1:4]
os.makedirs(work, exist_ok=True)
opencv = os.path.join(src, "usr/share/doc/opencv-doc/examples/data")
darknet = os.path.join(src, "usr/share/darknet/data")
film = os.path.join(src, "usr/share/doc/python-nbsphinx/html/www/wikimediacommons/Shepard_Calais_1906_FrenchGP.ogv.160p.ogv")
launch = os.path.join(src, "usr/share/games/renpy/demo/game/oa4_launch.webm")
lebiniou = os.path.join(src, "usr/share/lebiniou/vue/media/lebiniou-2021-06-10_12-17-47.mp4")
blupi_dir = os.path.join(src, "usr/share/planetblupi/movie")
blupi = os.path.join(blupi_dir, "play101.mkv")

# (input, start s, seconds, kind): "video" excerpts or "still" photos panned across (motion inside one shot).
excerpts = [
    (film, 0.5, 4.5, "video"),
    (os.path.join(darknet, "dog.jpg"), 0, 2.5, "still"),
    (launch, 0.2, 2.7, "video"),
    (os.path.join(opencv, "Megamind.avi"), 0.3, 3.7, "video"),
    (os.path.join(opencv, "vtest.avi"), 10.0, 5.0, "video"),
    (os.path.join(darknet, "eagle.jpg"), 0, 2.5, "still"),
    (lebiniou, 0.0, 5.0, "video"),
    (os.path.join(opencv, "Megamind.avi"), 4.3, 2.0, "video"),
    (film, 6.0, 5.0, "video"),
    (os.path.join(darknet, "giraffe.jpg"), 0, 2.5, "still"),
    (blupi, 0.0, 5.0, "video"),
    (launch, 3.4, 4.0, "video"),
    (os.path.join(opencv, "tree.avi"), 0.0, 4.0, "video"),
    (os.path.join(darknet, "horses.jpg"), 0, 2.5, "still"),
    (os.path.join(opencv, "Megamind.avi"), 6.7, 1.5, "video"),
    (os.path.join(darknet, "kite.jpg"), 0, 2.5, "still"),
    (os.path.join(opencv, "Megamind.avi"), 8.6, 2.5, "video"),
]
# Joins, in turn: two hard cuts, a 0.8 s cross-dissolve, a hard cut, a 1 s fade through black.
pattern = [("cut", 0), ("cut", 0), ("dissolve", 19), ("cut", 0), ("fadeblack", 24)]
# Then harder material, each with the join before it (every excerpt distinct content): moving-camera dissolves
# (zooms, a whip pan, the camera moving round planetblupi's tower on both sides of the blend), a camera flash inside a shot (two white frames: not a cut), a whip pan (fast motion
# inside a shot). Kinds: "zoom" (in, or out with a negative rate), "whip" (a 0.5 s pan across), "flash" (a slow pan
# with the flash at frame 28).
harder = [
    ((os.path.join(darknet, "person.jpg"), 0, 3.0, "zoom"), ("cut", 0)),
    ((os.path.join(darknet, "dog.jpg"), 0, 3.0, "whip"), ("dissolve", 24)),
    ((os.path.join(blupi_dir, "play105.mkv"), 2.0, 4.0, "video"), ("dissolve", 19)),
    ((os.path.join(darknet, "scream.jpg"), 0, 3.0, "flash"), ("cut", 0)),
    ((os.path.join(blupi_dir, "play103.mkv"), 3.0, 4.0, "video"), ("fadeblack", 24)),
    ((os.path.join(darknet, "giraffe.jpg"), 0, 3.0, "zoomout"), ("dissolve", 24)),
    ((os.path.join(blupi_dir, "play116.mkv"), 1.0, 2.5, "video"), ("cut", 0)),
]
excerpts += [e for e, _ in harder]
joins = [pattern[(i - 1) % len(pattern)] for i in range(1, len(excerpts) - len(harder))] + [j for _, j in harder]


def build():
    args, chains = ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y"], []
    frames = []
    for i, (path, start, secs, kind) in enumerate(excerpts):
        n = round(secs * FPS)
        frames.append(n)
        fit = "scale=640:360:force_original_aspect_ratio=decrease,pad=640:360:(ow-iw)/2:(oh-ih)/2,setsar=1"
        big = "scale=1280:720:force_original_aspect_ratio=increase,crop=1280:720,setsar=1"
        post = ""
        if kind in ("still", "flash", "zoom", "zoomout", "whip"):
            args += ["-loop", "1", "-framerate", str(FPS), "-t", str(secs + 1), "-i", path]
        else:
            args += ["-ss", str(start), "-i", path]
        if kind in ("still", "flash"):
            chain = f"[{i}:v]scale=800:-2,crop=640:360:x='(iw-ow)*t/{secs}':y='(ih-oh)/2',setsar=1"
            if kind == "flash":
                post = ",drawbox=x=0:y=0:w=iw:h=ih:color=white:t=fill:enable='between(n,28,29)'"
        elif kind in ("zoom", "zoomout"):
            z = f"1+0.6*on/{n}" if kind == "zoom" else f"1.6-0.6*on/{n}"
            chain = f"[{i}:v]{big},zoompan=z='{z}':x='iw/2-iw/zoom/2':y='ih/2-ih/zoom/2':d=1:s=640x360:fps={FPS},setsar=1"
        elif kind == "whip":
            chain = f"[{i}:v]{big},crop=640:360:x='(iw-ow)*min(1,max(0,(t-1.2)/0.5))':y='(ih-oh)/2',setsar=1"
        else:
            chain = f"[{i}:v]{fit}"
        chains.append(f"{chain},fps={FPS},format=yuv420p,trim=end_frame={n},setpts=PTS-STARTPTS{post},settb=1/{FPS}[s{i}]")
    truth = {"cuts": [], "soft": [], "shots": []}
    cur, length = "s0", frames[0]
    truth["shots"].append([0, frames[0]])
    for i in range(1, len(excerpts)):
        kind, d = joins[i - 1]
        out = f"j{i}"
        if kind == "cut":
            chains.append(f"[{cur}][s{i}]concat=n=2:v=1:a=0,settb=1/{FPS}[{out}]")
            truth["cuts"].append(length)
            truth["shots"].append([length, length + frames[i]])
            length += frames[i]
        else:
            offset = (length - d) / FPS
            chains.append(f"[{cur}][s{i}]xfade=transition={'fade' if kind == 'dissolve' else 'fadeblack'}:"
                          f"duration={d / FPS}:offset={offset},settb=1/{FPS}[{out}]")
            truth["soft"].append({"kind": kind, "first": length - d, "last": length - 1})
            truth["shots"][-1][1] = length - d  # the previous shot ends where the blend begins
            truth["shots"].append([length, length - d + frames[i]])
            length += frames[i] - d
        cur = out
    path = os.path.join(work, "benchmark.mp4")
    subprocess.run(args + ["-filter_complex", ";".join(chains), "-map", f"[{cur}]", "-c:v", "libx264", "-preset", "medium",
                           "-crf", "20", "-x264-params", "scenecut=0:keyint=240", "-pix_fmt", "yuv420p", path], check=True)
    truth["frames"] = length
    return path, truth


def summarize(path, name, extra):
    out = os.path.join(work, name)
    t0 = time.time()
    subprocess.run([cli, path, "-o", out, "--force", "-q", "--no-clip"] + extra, check=True)
    return json.load(open(os.path.join(out, "summary.json"))), time.time() - t0, out


def score_cuts(found, truth):
    """Recall and precision of hard cuts at +-TOL frames; found boundaries inside a soft transition are not false."""
    soft = [(s["first"] - TOL, s["last"] + TOL) for s in truth["soft"]]
    hit = sum(1 for c in truth["cuts"] if any(abs(f - c) <= TOL for f in found))
    false = sum(1 for f in found if not any(abs(f - c) <= TOL for c in truth["cuts"]) and not any(a <= f <= b for a, b in soft))
    matched = len(found) - false
    recall = hit / len(truth["cuts"])
    precision = matched / len(found) if found else 1.0
    f1 = 2 * recall * precision / (recall + precision) if recall + precision else 0.0
    return recall, precision, f1, false


def thumb(path):
    raw = subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-i", path, "-vf", "scale=16:9,format=gray", "-f",
                          "rawvideo", "-"], check=True, capture_output=True).stdout
    return list(raw)


def main():
    path, truth = build()
    nshots = len(truth["shots"])
    print(f"benchmark: {truth['frames']} frames ({truth['frames'] / FPS:.1f} s), {nshots} shots, "
          f"{len(truth['cuts'])} hard cuts, {len(truth['soft'])} soft transitions")

    m, _, out = summarize(path, "default", [])
    bounds = [s["start_frame"] for s in m["shots"][1:]]
    recall, precision, f1, false = score_cuts(bounds, truth)
    soft_found = sum(1 for s in truth["soft"] if any(s["first"] - TOL <= b <= s["last"] + TOL for b in bounds))
    spans = [(s["first"], s["last"]) for s in truth["soft"]]
    in_soft = [k["frame"] for k in m["keyframes"] if any(a <= k["frame"] <= b for a, b in spans)]
    # Near-duplicates: two keyframes of the same shot whose 16x9 grey thumbnails differ by < 6/255 on average.
    shot_of = lambda f: next((i for i, (a, b) in enumerate(truth["shots"]) if a <= f < b), -1)
    thumbs = [(shot_of(k["frame"]), thumb(os.path.join(out, k["image"]))) for k in m["keyframes"]]
    dups = sum(1 for i in range(len(thumbs)) for j in range(i + 1, len(thumbs))
               if thumbs[i][0] == thumbs[j][0] and sum(abs(a - b) for a, b in zip(thumbs[i][1], thumbs[j][1])) / 144 < 6)

    mk, _, _ = summarize(path, "k_shots", ["--budget", str(nshots)])
    covered = len({shot_of(k["frame"]) for k in mk["keyframes"]} - {-1})
    # Below the shot count: distinct shots before second keyframes of a shot (K = half the shots).
    half = nshots // 2
    mh, _, _ = summarize(path, "k_half", ["--budget", str(half)])
    covered_half = len({shot_of(k["frame"]) for k in mh["keyframes"]} - {-1})
    # The automatic budget (the default run): keyframes, distinct shots they cover, repeats it was left with.
    auto_k = len(m["keyframes"])
    auto_covered = len({shot_of(k["frame"]) for k in m["keyframes"]} - {-1})
    # Boundaries do not depend on the sampling rate: the default (2 fps) against --sample-fps 10.
    m10, _, _ = summarize(path, "fps10", ["--sample-fps", "10"])
    bounds10 = [s["start_frame"] for s in m10["shots"][1:]]
    differ = sorted(set(bounds) ^ set(bounds10))

    # FFmpeg's scene score of every frame, thresholded afterwards.
    log = subprocess.run(["ffmpeg", "-nostdin", "-hide_banner", "-i", path, "-vf", "select='gte(scene,0)',metadata=print:file=-",
                          "-f", "null", "-"], check=True, capture_output=True, text=True).stdout
    scores, frame = {}, None
    for line in log.splitlines():
        if line.startswith("frame:"):
            frame = round(float(line.split("pts_time:")[1]) * FPS)
        elif "lavfi.scene_score=" in line and frame is not None:
            scores[frame] = float(line.split("=")[1])
    ff = {}
    for t in [x / 100 for x in range(2, 61)]:
        ff[t] = score_cuts([f for f, s in scores.items() if s > t], truth)
    best = max(ff, key=lambda t: ff[t][2])
    def soft_by(found):
        return sum(1 for x in truth["soft"] if any(x["first"] - TOL <= b <= x["last"] + TOL for b in found))
    ff_soft = {t: soft_by([f for f, sc in scores.items() if sc > t]) for t in (0.3, best)}

    # Cost of the per-frame statistics: a summary with them against one with --no-shots (no statistics), the same
    # budget for both, alternating, 3 runs each, the fastest of each (the machine is shared).
    times = {"on": [], "off": []}
    for _ in range(3):
        for key, extra in (("on", []), ("off", ["--no-shots"])):
            mm, _, _ = summarize(path, "cost_" + key, ["--budget", str(nshots)] + extra)
            times[key].append(mm["timings_s"]["total"])
    on, off = min(times["on"]), min(times["off"])

    print()
    print("| measure | cords-summarize (default) | FFmpeg scene > 0.3 | FFmpeg scene, best T |")
    print("|---|---|---|---|")
    print(f"| hard-cut recall (+-{TOL} frames) | {recall:.3f} | {ff[0.3][0]:.3f} | {ff[best][0]:.3f} (T = {best:.2f}) |")
    print(f"| hard-cut precision | {precision:.3f} | {ff[0.3][1]:.3f} | {ff[best][1]:.3f} |")
    print(f"| hard-cut F1 | {f1:.3f} | {ff[0.3][2]:.3f} | {ff[best][2]:.3f} |")
    print(f"| soft transitions found (of {len(truth['soft'])}) | {soft_found} | {ff_soft[0.3]} | {ff_soft[best]} |")
    print(f"| keyframes in fade/dissolve spans | {len(in_soft)} of {len(m['keyframes'])} | | |")
    print(f"| distinct shots covered, k = {nshots} | {covered} | | |")
    print(f"| near-duplicate keyframe pairs | {dups} | | |")
    print(f"| automatic budget: keyframes / distinct shots covered (of {nshots}) / repeats left | {auto_k} / {auto_covered} / "
          f"{m['near_duplicates']} | | |")
    print(f"| distinct shots covered, k = {half} (half the shots) | {covered_half} | | |")
    print(f"| boundaries that differ between --sample-fps 2 and 10 | {len(differ)} of {len(bounds)} | | |")
    print(f"| summary time with / without per-frame statistics | {on:.2f} s / {off:.2f} s = {on / off:.3f}x | | |")
    print()
    print("found boundaries:", [(s["start_frame"], s["transition"]) for s in m["shots"][1:]])
    print("true cuts:", truth["cuts"], "soft:", [(s["first"], s["last"]) for s in truth["soft"]])
    if in_soft:
        print("keyframes in soft spans:", in_soft)


main()
