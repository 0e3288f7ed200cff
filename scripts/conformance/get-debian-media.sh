#!/usr/bin/env bash
# Real videos made by other people, from Debian packages (../shared/reference/test-media.md): downloads the packages
# with apt-get (no install) and copies their videos into DIR, one file per video, named by package and path.
# Usage: scripts/conformance/get-debian-media.sh DIR
set -euo pipefail
dir="$1"
[ -d "$dir" ] && [ -n "$(ls -A "$dir" 2>/dev/null)" ] && { echo "debian media: $dir already filled" >&2; exit 0; }
mkdir -p "$dir"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pkgs=(python3-imageio opencv-doc renpy-demo python-nbsphinx-doc gem-doc forensics-samples-files planetblupi-common
      python3-sage)
(cd "$tmp" && apt-get download "${pkgs[@]}" >/dev/null 2>&1) || { echo "debian media: apt-get download failed" >&2; exit 1; }
for deb in "$tmp"/*.deb; do
  pkg=$(basename "$deb" | cut -d_ -f1)
  dpkg -x "$deb" "$tmp/x-$pkg"
  find "$tmp/x-$pkg" -type f \( -iname '*.mp4' -o -iname '*.avi' -o -iname '*.mkv' -o -iname '*.webm' -o \
    -iname '*.ogv' -o -iname '*.mpg' -o -iname '*.mpeg' -o -iname '*.flv' -o -iname '*.mov' -o -iname '*.wmv' -o \
    -iname '*.gif' \) | while read -r f; do
    cp "$f" "$dir/$pkg--$(basename "$f")"
  done
done
echo "debian media: $(ls "$dir" | wc -l) videos in $dir" >&2
