#!/usr/bin/env bash
# Builds a small FFmpeg (shared libav* libraries and the ffmpeg program) from Debian's FFmpeg 5.1 source, with only
# the decoders, demuxers, encoders and muxers cords-summarize and its tests use, plus NVIDIA's NVDEC/CUVID hwaccels
# (through the nv-codec-headers, Debian libffmpeg-nvenc-dev; the driver's libcuda/libnvcuvid are opened at run time,
# so the build needs no CUDA). For machines that have a compiler but no FFmpeg development files, such as the lent
# GPU machine: build it here, carry the prefix (about 15 MB), run there with LD_LIBRARY_PATH=PREFIX/lib.
#
#   scripts/build-mini-ffmpeg.sh PREFIX [SOURCE.tar.xz]
#
# Without SOURCE the source is fetched with `apt-get source` (Debian's archive, deb-src). Needs nasm (x86 SIMD: the
# H.264 decoder runs about twice as slow without it) and libffmpeg-nvenc-dev; scripts/install-deps.sh does not
# install them, this script does when run as root.
set -euo pipefail
prefix=${1:?usage: build-mini-ffmpeg.sh PREFIX [SOURCE.tar.xz]}
source_tar=${2:-}
mkdir -p "$prefix"
prefix=$(cd "$prefix" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [ "$(id -u)" = 0 ] && ! { command -v nasm >/dev/null && [ -f /usr/include/ffnvcodec/dynlink_loader.h ]; }; then
  apt-get install -y --no-install-recommends nasm libffmpeg-nvenc-dev pkg-config >/dev/null
fi
if [ -z "$source_tar" ]; then
  cat > "$work/src.sources" <<'EOF'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  o=(-oDir::Etc::SourceList="$work/src.sources" -oDir::Etc::SourceParts=/dev/null -oDir::State::Lists="$work/lists")
  mkdir -p "$work/lists/partial"
  apt-get "${o[@]}" update >/dev/null
  (cd "$work" && apt-get "${o[@]}" source --download-only ffmpeg >/dev/null 2>&1)
  source_tar=$(ls "$work"/ffmpeg_*.orig.tar.xz)
fi
tar -xf "$source_tar" -C "$work"
src=$(ls -d "$work"/ffmpeg-*/)

list() { local IFS=,; echo "$*"; }
decoders=(h264 hevc mpeg4 mpeg1video mpeg2video msmpeg4v1 msmpeg4v2 msmpeg4v3 mjpeg png theora vp8 vp9 rawvideo
          aac mp3 mp2 ac3 vorbis opus flac pcm_s16le pcm_u8 h264_cuvid hevc_cuvid mpeg4_cuvid vp9_cuvid)
encoders=(mjpeg png mpeg4 aac wrapped_avframe rawvideo pcm_s16le)
hwaccels=(h264_nvdec hevc_nvdec mpeg1_nvdec mpeg2_nvdec mpeg4_nvdec vp8_nvdec vp9_nvdec)
demuxers=(mov matroska avi mpegts mpegps ogg flv concat h264 hevc m4v wav mp3 aac image2)
muxers=(mp4 mov matroska avi null image2 mjpeg)
parsers=(h264 hevc mpeg4video mpegvideo mjpeg png vp8 vp9 aac mpegaudio ac3 vorbis opus flac)
bsfs=(h264_mp4toannexb hevc_mp4toannexb aac_adtstoasc extract_extradata vp9_superframe_split null)
filters=(buffer buffersink abuffer abuffersink null anull format aformat scale aresample copy trim atrim setpts
         asetpts hwdownload)

cd "$src"
./configure --prefix="$prefix" --enable-shared --disable-static --disable-doc --disable-debug --disable-autodetect \
  --disable-everything --disable-programs --enable-ffmpeg --enable-zlib --enable-ffnvcodec --enable-nvdec \
  --enable-cuvid --enable-pthreads --enable-rpath \
  --enable-decoder="$(list "${decoders[@]}")" --enable-encoder="$(list "${encoders[@]}")" \
  --enable-hwaccel="$(list "${hwaccels[@]}")" --enable-demuxer="$(list "${demuxers[@]}")" \
  --enable-muxer="$(list "${muxers[@]}")" --enable-parser="$(list "${parsers[@]}")" \
  --enable-bsf="$(list "${bsfs[@]}")" --enable-filter="$(list "${filters[@]}")" \
  --enable-protocol=file,pipe > "$work/configure.log" 2>&1 || { tail -30 "$work/configure.log"; exit 1; }
make -j"$(nproc)" > "$work/make.log" 2>&1 || { grep -B2 -A8 'error' "$work/make.log" | head -60; exit 1; }
make install > /dev/null
strip --strip-unneeded "$prefix"/lib/*.so.* "$prefix/bin/ffmpeg" 2>/dev/null || true
rm -rf "$prefix/share"
du -sh "$prefix"
