#!/usr/bin/env bash
# Rebuilds samples/sample.mp4 from two clips in Debian 12 packages (provenance and licences: samples/README.md):
#   1. Shepard_Calais_1906_FrenchGP.ogv (python-nbsphinx-doc): 19 s, 1906 film of the French Grand Prix, public domain;
#   2. oa4_launch.webm (renpy-demo): 8 s, NASA rocket launch footage, in Ren'Py's demo under the Expat licence.
# Output: 640x360, 24 fps, H.264 (x264 scene-cut key frames off, so cuts are not handed to detectors), no audio.
set -euo pipefail
cd "$(dirname "$0")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get download python-nbsphinx-doc renpy-demo >/dev/null 2>&1 && for d in *.deb; do dpkg -x "$d" x; done)
film="$work/x/usr/share/doc/python-nbsphinx/html/www/wikimediacommons/Shepard_Calais_1906_FrenchGP.ogv.160p.ogv"
launch="$work/x/usr/share/games/renpy/demo/game/oa4_launch.webm"
ffmpeg -nostdin -hide_banner -loglevel error -y -i "$film" -i "$launch" -filter_complex \
  "[0:v]scale=480:360,pad=640:360:80:0,fps=24,setsar=1,format=yuv420p[a];[1:v]scale=640:360,fps=24,setsar=1,format=yuv420p[b];[a][b]concat=n=2:v=1:a=0" \
  -an -c:v libx264 -preset slow -crf 30 -x264-params scenecut=0:keyint=96 -movflags +faststart sample.mp4.tmp.mp4
mv sample.mp4.tmp.mp4 sample.mp4
ls -l sample.mp4
