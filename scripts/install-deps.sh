#!/usr/bin/env bash
# Installs every build and test dependency of cords-summarize on Debian 12 (bookworm).
# Idempotent: when everything is present it only checks (a second or so) and exits 0.
# Usage: scripts/install-deps.sh            (needs root, or sudo)
set -euo pipefail

PKGS=(
  build-essential cmake ninja-build ccache pkg-config git
  clang libclang-rt-14-dev libomp-14-dev clang-format-14 clang-tidy-14 universal-ctags
  libopenblas-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libboost-program-options-dev nlohmann-json3-dev
  libtorch-dev libgloo-dev zlib1g-dev
  dataset-fashion-mnist
  libopencv-dev
  libavformat-dev libavcodec-dev libavutil-dev libswscale-dev libswresample-dev
  ffmpeg
  python3-numpy python3-torch python3-dev pybind11-dev python3-pytest
  chromium
)

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install-deps: installing ${#missing[@]} package(s): ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done" >&2
