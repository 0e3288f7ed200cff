#!/usr/bin/env bash
# Prepares .gpu-deps/, what scripts/gpu-check.sh needs on the GPU machine (which has CUDA, a compiler, CMake and
# Python's LibTorch, but no GoogleTest, nlohmann-json, Boost, FFmpeg or OpenCV development files and no network).
# Run here, in the repository root, after scripts/install-deps.sh; about 40 MB, carried with `carry: [".gpu-deps"]`.
#   googletest/             GoogleTest sources (built there)
#   include/nlohmann/       nlohmann-json
#   boost/                  Boost.Program_options: the headers it includes, its shared library and CMake package
#   ffmpeg/                 a small FFmpeg with NVDEC (scripts/build-mini-ffmpeg.sh, ~5 min on 2 cores)
#   media/chunk10.mp4       10 s of 1080p H.264, 8 Mbit/s, GOP 50, film grain: the long-video benchmark's material
set -euo pipefail
cd "$(dirname "$0")/.."
d=.gpu-deps
grep -qx '/.gpu-deps/' .git/info/exclude 2>/dev/null || { mkdir -p .git/info && echo '/.gpu-deps/' >> .git/info/exclude; }
mkdir -p "$d/include" "$d/media"
[ -d "$d/googletest" ] || cp -r /usr/src/googletest "$d/"
[ -d "$d/include/nlohmann" ] || cp -r /usr/include/nlohmann "$d/include/"

if [ ! -d "$d/boost" ]; then
  tmp=$(mktemp -d)
  printf '#include <boost/program_options.hpp>\n#include <boost/program_options/errors.hpp>\nint main() {}\n' > "$tmp/t.cpp"
  # The headers the compilers here pull in, as C++17 and C++20 (LibTorch 2.13+ builds as C++20).
  for std in 17 20; do
    g++ -std=c++$std -M "$tmp/t.cpp"
    if command -v clang++ >/dev/null; then clang++ -std=c++$std -M "$tmp/t.cpp"; fi
  done | tr ' \\' '\n\n' | grep '^/usr/include/boost/' | sort -u > "$tmp/headers"
  while read -r f; do
    mkdir -p "$d/boost/include/$(dirname "${f#/usr/include/}")"
    cp "$f" "$d/boost/include/${f#/usr/include/}"
  done < "$tmp/headers"
  lib=/usr/lib/x86_64-linux-gnu
  mkdir -p "$d/boost/lib/x86_64-linux-gnu/cmake/boost_program_options-1.74.0"
  cp -a "$lib"/libboost_program_options.so* "$d/boost/lib/x86_64-linux-gnu/"
  cp -r "$lib/cmake/Boost-1.74.0" "$lib/cmake/boost_headers-1.74.0" "$lib/cmake/BoostDetectToolset-1.74.0.cmake" \
     "$d/boost/lib/x86_64-linux-gnu/cmake/"
  cp "$lib"/cmake/boost_program_options-1.74.0/{boost_program_options-config.cmake,boost_program_options-config-version.cmake,libboost_program_options-variant-shared.cmake} \
     "$d/boost/lib/x86_64-linux-gnu/cmake/boost_program_options-1.74.0/"
  rm -rf "$tmp"
fi

[ -x "$d/ffmpeg/bin/ffmpeg" ] || bash scripts/build-mini-ffmpeg.sh "$d/ffmpeg"

[ -f "$d/media/chunk10.mp4" ] || ffmpeg -nostdin -hide_banner -loglevel error -y \
  -f lavfi -i "testsrc2=s=1920x1080:r=25:d=10,noise=alls=10:allf=t" -c:v libx264 -preset veryfast \
  -b:v 8M -maxrate 8M -bufsize 16M -g 50 -keyint_min 50 -sc_threshold 0 -pix_fmt yuv420p "$d/media/chunk10.mp4"
du -sh "$d"/*
