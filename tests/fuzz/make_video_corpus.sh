#!/usr/bin/env bash
# Writes the seed corpus of the video fuzz target into corpus/video/ (committed; run again after changing it): the
# smallest files of the conformance corpus' families (scripts/conformance/corpus.py), each a few kilobytes: one
# container, codec and sound each, so that mutations reach every demuxer and decoder a summary uses.
set -euo pipefail
cd "$(dirname "$0")"
out=corpus/video
rm -rf "$out" && mkdir -p "$out"
f="ffmpeg -nostdin -hide_banner -loglevel error -y"
v="-f lavfi -i testsrc2=size=32x24:rate=10:duration=0.5"
a="-f lavfi -i sine=frequency=440:sample_rate=16000:duration=0.5"
$f $v -frames:v 1 -c:v libx264 -preset ultrafast "$out/one-frame.mp4"
$f $v $a -c:v libx264 -preset ultrafast -c:a libmp3lame -ac 1 "$out/mp3-mono.mp4"
$f $v $a -c:v libx264 -preset ultrafast -c:a aac "$out/h264-aac.ts"
$f -f lavfi -i testsrc2=size=17x9:rate=10:duration=0.3 $a -c:v ffv1 -c:a flac -shortest "$out/odd-ffv1-flac.mkv"
$f -f lavfi -i testsrc2=size=32x24:rate=25:duration=0.3 -c:v mpeg1video -f mpeg1video "$out/es.m1v"
$f $v -c:v gif "$out/anim.gif"
$f $v $a -c:v mjpeg -c:a pcm_u8 "$out/mjpeg-u8.avi"
$f $v $a -c:v libvpx -deadline realtime -c:a libvorbis -ar 44100 "$out/vp8-vorbis.webm"
$f $v -c:v libtheora "$out/theora.ogv"
$f $v $a -c:v wmv2 -c:a wmav2 -ar 22050 "$out/wmv2.asf"
$f $v -c:v mpeg4 -bf 2 "$out/mpeg4-bframes.avi"
$f $v -c:v libx264 -preset ultrafast -metadata:s:v:0 rotate=90 "$out/rotated.mov"
ls -l "$out" | awk 'NR>1 {print $5, $9}'
