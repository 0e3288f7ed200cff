#!/usr/bin/python3
"""The conformance corpus (docs/conformance.md): small media files made with Debian's ffmpeg, one per case, each a
container, video codec, pixel format, sound, geometry, timing or length that people meet in real archives.

    scripts/conformance/corpus.py OUT [--sample] [--only NAME...]

writes OUT/<case>.<ext> and OUT/cases.json (what each file is and what a summary of it must be). --sample makes the
short, wide selection CI runs (a few minutes with the checks); without it, the whole matrix. A case whose file ffmpeg
cannot make is listed as such (never dropped in silence): its encoder or muxer is missing from this ffmpeg.
"""
import json
import os
import shlex
import subprocess
import sys

# A case: name, file extension, ffmpeg arguments after the inputs, the inputs (lavfi graphs), whether the file has
# sound a clip must carry, what a summary must be ("summary": exit 0 with valid outputs; "no-pictures": exit 3 with
# one line), and whether it is in the CI sample.
CASES = []


def case(name, ext, out_args, video="testsrc2=size=320x240:rate=25:duration=3", audio=None, sound=None,
         expect="summary", sample=False, extra_inputs=()):
    CASES.append(dict(name=name, ext=ext, out_args=out_args, video=video, audio=audio,
                      sound=bool(audio) if sound is None else sound, expect=expect, sample=sample,
                      extra_inputs=list(extra_inputs)))


def v(size="320x240", rate=25, dur=3, src="testsrc2"):
    return f"{src}=size={size}:rate={rate}:duration={dur}"


def a(rate=44100, dur=3, freq=440):
    return f"sine=frequency={freq}:sample_rate={rate}:duration={dur}"


X264 = "-c:v libx264 -preset ultrafast"

# ---- containers x video codecs ---------------------------------------------------------------------------------
case("h264-aac.mp4", "mp4", f"{X264} -c:a aac", audio=a(), sample=True)
case("h264-aac.mkv", "mkv", f"{X264} -c:a aac", audio=a())
case("h264-aac.mov", "mov", f"{X264} -c:a aac", audio=a())
case("h264-aac.ts", "ts", f"{X264} -c:a aac", audio=a(), sample=True)
case("h264-mp3.flv", "flv", f"{X264} -c:a libmp3lame", audio=a())
case("h264-pcm.avi", "avi", f"{X264} -c:a pcm_s16le", audio=a())
case("h264-aac.3gp", "3gp", f"{X264} -c:a aac -ar 16000", audio=a(16000))
case("h264-flac.nut", "nut", f"{X264} -c:a flac", audio=a())
case("hevc-aac.mp4", "mp4", "-c:v libx265 -preset ultrafast -x265-params log-level=none -tag:v hvc1 -c:a aac",
     audio=a(), sample=True)
case("hevc.mkv", "mkv", "-c:v libx265 -preset ultrafast -x265-params log-level=none")
case("hevc.ts", "ts", "-c:v libx265 -preset ultrafast -x265-params log-level=none")
case("vp8-vorbis.webm", "webm", "-c:v libvpx -deadline realtime -cpu-used 8 -c:a libvorbis", audio=a(),
     sample=True)
case("vp9-opus.webm", "webm", "-c:v libvpx-vp9 -deadline realtime -cpu-used 8 -c:a libopus", audio=a(48000))
case("vp9.mkv", "mkv", "-c:v libvpx-vp9 -deadline realtime -cpu-used 8")
case("av1-opus.mkv", "mkv", "-c:v libaom-av1 -cpu-used 8 -row-mt 1 -c:a libopus", audio=a(48000), sample=True)
case("av1.mp4", "mp4", "-c:v libsvtav1 -preset 12")
case("av1.webm", "webm", "-c:v libaom-av1 -cpu-used 8 -row-mt 1")
case("mpeg1-mp2.mpg", "mpg", "-c:v mpeg1video -c:a mp2 -f mpeg", audio=a(), sample=True)
case("mpeg2-ac3.vob", "vob", "-c:v mpeg2video -c:a ac3 -f vob", audio=a(48000))
case("mpeg2-mp2.ts", "ts", "-c:v mpeg2video -c:a mp2", audio=a(48000))
case("mpeg4-mp3.avi", "avi", "-c:v mpeg4 -c:a libmp3lame", audio=a())
case("mpeg4-aac.mp4", "mp4", "-c:v mpeg4 -c:a aac", audio=a())
case("msmpeg4v2.avi", "avi", "-c:v msmpeg4v2")
case("msmpeg4v3-mp3.avi", "avi", "-c:v msmpeg4 -c:a libmp3lame", audio=a(), sample=True)
case("wmv2-wma.wmv", "wmv", "-c:v wmv2 -c:a wmav2", audio=a(), sample=True)
case("wmv2-wma.asf", "asf", "-c:v wmv2 -c:a wmav2", audio=a())
case("h263-aac.3gp", "3gp", "-c:v h263 -c:a aac -ar 16000", video=v("352x288"), audio=a(16000))
case("h263p.mov", "mov", "-c:v h263p", video=v("352x288"))
case("flv1-mp3.flv", "flv", "-c:v flv -c:a libmp3lame -ar 22050", audio=a(22050))
case("mjpeg-pcm.avi", "avi", "-c:v mjpeg -c:a pcm_s16le", audio=a(), sample=True)
case("mjpeg.mov", "mov", "-c:v mjpeg")
case("theora-vorbis.ogv", "ogv", "-c:v libtheora -c:a libvorbis", audio=a(), sample=True)
case("prores-pcm24.mov", "mov", "-c:v prores_ks -profile:v 0 -c:a pcm_s24le", audio=a(48000), sample=True)
case("dnxhr.mov", "mov", "-c:v dnxhd -profile:v dnxhr_lb -pix_fmt yuv422p", video=v("640x360"))
case("ffv1-flac.mkv", "mkv", "-c:v ffv1 -c:a flac", audio=a())
case("huffyuv.avi", "avi", "-c:v huffyuv")
case("rawvideo.avi", "avi", "-c:v rawvideo -pix_fmt yuv420p")
case("rawvideo.nut", "nut", "-c:v rawvideo -pix_fmt yuv420p")
case("utvideo.avi", "avi", "-c:v utvideo")
case("qtrle.mov", "mov", "-c:v qtrle")
case("cinepak.avi", "avi", "-c:v cinepak")
case("dv-pcm.dv", "dv", "-c:v dvvideo -pix_fmt yuv411p -c:a pcm_s16le -ar 48000 -ac 2",
     video=v("720x480", "30000/1001"), audio=a(48000))
case("gif.gif", "gif", "-c:v gif", video=v("160x120", 10), sample=True)
case("apng.apng", "apng", "-c:v apng -plays 0", video=v("160x120", 10))
case("mjpeg-stream.mjpeg", "mjpeg", "-c:v mjpeg -f mjpeg")
case("y4m.y4m", "y4m", "-pix_fmt yuv420p -f yuv4mpegpipe", video=v("160x120"))
# Raw elementary streams (timestamps made up by the parsers, or none).
case("es.h264", "h264", "-c:v libx264 -preset ultrafast -bsf:v h264_mp4toannexb -f h264", sample=True)
case("es.hevc", "hevc", "-c:v libx265 -preset ultrafast -x265-params log-level=none -f hevc")
case("es.m1v", "m1v", "-c:v mpeg1video -f mpeg1video", sample=True)
case("es.m2v", "m2v", "-c:v mpeg2video -bf 2 -f mpeg2video")
case("es.m4v", "m4v", "-c:v mpeg4 -f m4v")
case("es.ivf", "ivf", "-c:v libvpx-vp9 -deadline realtime -cpu-used 8 -f ivf")
case("es.obu", "obu", "-c:v libaom-av1 -cpu-used 8 -f obu")

# ---- pixel formats ---------------------------------------------------------------------------------------------
case("yuv422p.mkv", "mkv", f"{X264} -pix_fmt yuv422p", sample=True)
case("yuv444p.mp4", "mp4", f"{X264} -pix_fmt yuv444p")
case("yuv420p10.mkv", "mkv", f"{X264} -pix_fmt yuv420p10le", sample=True)
case("hevc-main10.mp4", "mp4", "-c:v libx265 -preset ultrafast -x265-params log-level=none -pix_fmt yuv420p10le")
case("vp9-10bit.webm", "webm", "-c:v libvpx-vp9 -deadline realtime -cpu-used 8 -pix_fmt yuv420p10le")
case("gray.mkv", "mkv", "-c:v ffv1 -pix_fmt gray", sample=True)
case("gray10.mkv", "mkv", "-c:v ffv1 -pix_fmt gray10le")
case("gray-h264.mp4", "mp4", f"{X264} -pix_fmt gray")
case("rgb24.mkv", "mkv", "-c:v libx264rgb -preset ultrafast -pix_fmt rgb24")
case("bgr0-ffv1.mkv", "mkv", "-c:v ffv1 -pix_fmt bgr0")
case("rgb48-ffv1.mkv", "mkv", "-c:v ffv1 -pix_fmt rgb48le")
case("pal8-avi.avi", "avi", "-c:v rawvideo -pix_fmt pal8", video=v("160x120"), sample=True)
case("rgba-qtrle.mov", "mov", "-c:v qtrle -pix_fmt argb")
case("yuva-vp9.webm", "webm", "-c:v libvpx-vp9 -deadline realtime -cpu-used 8 -pix_fmt yuva420p")
case("fullrange-h264.mp4", "mp4", f"{X264} -pix_fmt yuvj420p")
case("yuv444p16-ffv1.mkv", "mkv", "-c:v ffv1 -pix_fmt yuv444p16le")
case("nv12-raw.nut", "nut", "-c:v rawvideo -pix_fmt nv12")

# ---- sound -------------------------------------------------------------------------------------------------------
case("mp3-mono16k.mp4", "mp4", f"{X264} -c:a libmp3lame -ac 1 -ar 16000", audio=a(16000), sample=True)
case("mp3-mono44k.mp4", "mp4", f"{X264} -c:a libmp3lame -ac 1", audio=a())
case("mp3-stereo.mkv", "mkv", f"{X264} -c:a libmp3lame -ac 2", audio=a())
case("aac-mono.mp4", "mp4", f"{X264} -c:a aac -ac 1", audio=a())
case("aac-5.1.mp4", "mp4", f"{X264} -c:a aac -ac 6", audio=a(48000), sample=True)
case("ac3-5.1.mkv", "mkv", f"{X264} -c:a ac3 -ac 6", audio=a(48000))
case("eac3-5.1.mkv", "mkv", f"{X264} -c:a eac3 -ac 6", audio=a(48000), sample=True)
case("flac-7.1.mkv", "mkv", f"{X264} -c:a flac -ac 8", audio=a(48000))
case("opus-mono.webm", "webm", "-c:v libvpx -deadline realtime -cpu-used 8 -c:a libopus -ac 1", audio=a(48000))
case("vorbis-5.1.mkv", "mkv", f"{X264} -c:a libvorbis -ac 6", audio=a())
case("flac-96k.mkv", "mkv", f"{X264} -c:a flac -ar 96000", audio=a(96000), sample=True)
case("alac.mov", "mov", f"{X264} -c:a alac", audio=a())
case("pcm-s24-7.1.mov", "mov", f"{X264} -c:a pcm_s24le -ac 8", audio=a(48000))
case("pcm-f32.mkv", "mkv", f"{X264} -c:a pcm_f32le", audio=a())
case("pcm-u8-8k.avi", "avi", "-c:v mjpeg -c:a pcm_u8 -ac 1 -ar 8000", audio=a(8000), sample=True)
case("mulaw-8k.avi", "avi", "-c:v mjpeg -c:a pcm_mulaw -ac 1 -ar 8000", audio=a(8000))
case("adpcm-ima.avi", "avi", "-c:v mjpeg -c:a adpcm_ima_wav", audio=a(22050))
case("adpcm-ms.avi", "avi", "-c:v mjpeg -c:a adpcm_ms", audio=a(22050))
case("aac-11k.mp4", "mp4", f"{X264} -c:a aac -ar 11025", audio=a(11025))
case("two-audio.mkv", "mkv", f"{X264} -map 0:v -map 1:a -map 2:a -c:a:0 aac -c:a:1 ac3", audio=a(),
     extra_inputs=[a(48000, freq=880)], sample=True)
case("audio-late.mp4", "mp4", f"{X264} -c:a aac -af adelay=1500:all=1", video=v(dur=4), audio=a(dur=2.5))
case("audio-early-end.mkv", "mkv", f"{X264} -c:a aac", video=v(dur=4), audio=a(dur=1), sample=True)
case("audio-longer.mp4", "mp4", f"{X264} -c:a aac", video=v(dur=2), audio=a(dur=5))

# ---- geometry and timing ---------------------------------------------------------------------------------------
case("odd-17x9.mkv", "mkv", "-c:v ffv1", video=v("17x9"), sample=True)
case("tiny-2x2.mkv", "mkv", "-c:v ffv1", video=v("2x2"))
case("tiny-16x16.mp4", "mp4", X264, video=v("16x16"))
case("wide-2048x64.mp4", "mp4", X264, video=v("2048x64"))
case("portrait.mp4", "mp4", X264, video=v("240x320"), sample=True)
case("rotate90.mp4", "mp4", f"{X264} -metadata:s:v:0 rotate=90", sample=True)
case("rotate270.mov", "mov", f"{X264} -metadata:s:v:0 rotate=270")
case("anamorphic.mp4", "mp4", f"{X264} -vf setsar=32/27", video=v("720x480"), sample=True)
case("interlaced-mpeg2.mpg", "mpg", "-c:v mpeg2video -flags +ildct+ilme -vf tinterlace=interleave_top -f mpeg",
     video=v("720x576", 50, 3))
case("interlaced-h264.ts", "ts", f"{X264} -x264-params interlaced=1 -vf tinterlace=interleave_top",
     video=v("720x576", 50, 3))
case("vfr.mp4", "mp4", f"{X264} -vf \"setpts='N/25/TB+0.3*gte(N\\,30)/TB'\" -fps_mode vfr", video=v(dur=4),
     sample=True)
case("vfr-phone.mkv", "mkv", f"{X264} -vf \"setpts='(N/30+0.01*mod(N\\,3))/TB'\" -fps_mode vfr",
     video=v(rate=30, dur=3))
case("edit-list.mp4", "mp4", "COPY_FROM:h264-aac.mp4:-ss 1", audio=a())
case("negative-start.mkv", "mkv", "COPY_FROM:h264-aac.mp4:-output_ts_offset -2", audio=a(), sample=True)
case("open-gop.ts", "ts", f"{X264} -x264-params open-gop=1:keyint=30", video=v(dur=4))
case("bframes.mp4", "mp4", "-c:v libx264 -preset medium -bf 3", video=v(dur=3))
case("single-key.mp4", "mp4", f"{X264} -x264-params keyint=10000:scenecut=0", video=v(dur=5), sample=True)
case("all-intra.mp4", "mp4", f"{X264} -x264-params keyint=1", video=v(dur=3))
case("high-fps-120.mp4", "mp4", X264, video=v(rate=120, dur=2))
case("low-fps-1.mp4", "mp4", X264, video=v(rate=1, dur=6))
case("ntsc-29.97.mp4", "mp4", X264, video=v(rate="30000/1001", dur=3))
# ---- length ------------------------------------------------------------------------------------------------------
case("one-frame.mp4", "mp4", f"{X264} -frames:v 1", sample=True)
case("two-frames.mkv", "mkv", f"{X264} -frames:v 2")
case("half-second.mp4", "mp4", X264, video=v(dur=0.5), sample=True)
case("one-frame.gif", "gif", "-c:v gif -frames:v 1", video=v("64x48"))
case("two-minutes.mp4", "mp4", f"{X264} -c:a aac", video=v("160x120", 25, 120), audio=a(dur=120), sample=True)

# ---- no pictures: exit 3, one line ---------------------------------------------------------------------------------
case("audio-only.m4a", "m4a", "-c:a aac", video=None, audio=a(), sound=False, expect="no-pictures", sample=True)
case("cover-art-only.mp3", "mp3", "COVER_ART", video=None, audio=a(), sound=False, expect="no-pictures")
case("header-only.mp4", "mp4", "TRUNCATE:h264-aac.mp4:2000", expect="no-pictures", sample=True)


def make(c, out):
    path = os.path.join(out, c["name"])
    base = ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y"]
    args = c["out_args"]
    if args.startswith("COPY_FROM:"):  # a stream copy of another case's file with extra options
        _, src, opts = args.split(":", 2)
        inputs = opts.split() if opts.startswith("-ss") else []
        outputs = [] if opts.startswith("-ss") else opts.split()
        cmd = base + inputs + ["-i", os.path.join(out, src), "-c", "copy"] + outputs + [path]
    elif args.startswith("TRUNCATE:"):  # the first bytes of another case's file
        _, src, size = args.split(":")
        with open(os.path.join(out, src), "rb") as f, open(path, "wb") as g:
            g.write(f.read(int(size)))
        return None
    elif args == "COVER_ART":  # MP3 with a picture attached (not a video)
        art = os.path.join(out, ".cover.png")
        subprocess.run(base + ["-f", "lavfi", "-i", "testsrc2=size=64x64", "-frames:v", "1", art], check=True)
        cmd = base + ["-f", "lavfi", "-i", c["audio"], "-i", art, "-map", "0", "-map", "1", "-c:a", "libmp3lame",
                      "-c:v", "png", "-disposition:v", "attached_pic", path]
    else:
        cmd = base[:]
        for g in [c["video"], c["audio"], *c["extra_inputs"]]:
            if g:
                cmd += ["-f", "lavfi", "-i", g]
        cmd += shlex.split(args) + [path]
    r = subprocess.run(cmd, capture_output=True, text=True)
    return None if r.returncode == 0 else (r.stderr.strip().splitlines() or ["failed"])[-1]


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    sample = "--sample" in sys.argv
    only = sys.argv[sys.argv.index("--only") + 1:] if "--only" in sys.argv else None
    os.makedirs(out, exist_ok=True)
    chosen = [c for c in CASES if (not sample or c["sample"]) and (only is None or c["name"] in only)]
    # Sources first (the cases that copy or cut another case's file).
    needed = {c["out_args"].split(":")[1] for c in chosen if c["out_args"].startswith(("COPY_FROM:", "TRUNCATE:"))}
    for c in CASES:
        if c["name"] in needed and c not in chosen:
            chosen.insert(0, dict(c, helper=True))
    listed = []
    for c in chosen:
        why = make(c, out)
        print(f"{'ok' if why is None else 'NOT MADE'}  {c['name']}" + ("" if why is None else f": {why}"),
              file=sys.stderr)
        if not c.get("helper"):
            listed.append(dict(c, made=why is None, why_not_made=why))
    with open(os.path.join(out, "cases.json"), "w") as f:
        json.dump(listed, f, indent=1)
    print(f"{sum(c['made'] for c in listed)} of {len(listed)} cases made in {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
