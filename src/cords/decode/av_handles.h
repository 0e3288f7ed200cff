#pragma once
// Owning handles for FFmpeg objects, shared by the decoder and the clip writer: each deleter calls the matching
// FFmpeg free function, so every AVFormatContext/AVCodecContext/AVFrame/AVPacket/SwsContext has one owner. Also the
// one place for what differs between FFmpeg versions in the stream API (display_matrix: 5.1 to 7).
extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libswscale/swscale.h>
}

#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

namespace cords::av {

struct InputClose {
  void operator()(AVFormatContext* c) const;  ///< (with the playlist jail open_input_file gave it, if any)
};
struct OutputFree {
  void operator()(AVFormatContext* c) const {
    if (c && c->pb) avio_closep(&c->pb);
    avformat_free_context(c);
  }
};
struct CodecFree {
  void operator()(AVCodecContext* c) const { avcodec_free_context(&c); }
};
struct FrameFree {
  void operator()(AVFrame* f) const { av_frame_free(&f); }
};
struct PacketFree {
  void operator()(AVPacket* p) const { av_packet_free(&p); }
};
struct SwsFree {
  void operator()(SwsContext* s) const { sws_freeContext(s); }
};

struct BufferFree {
  void operator()(uint8_t* p) const { av_free(p); }
};

using Input = std::unique_ptr<AVFormatContext, InputClose>;
using Output = std::unique_ptr<AVFormatContext, OutputFree>;
using Codec = std::unique_ptr<AVCodecContext, CodecFree>;
using Frame = std::unique_ptr<AVFrame, FrameFree>;
using Packet = std::unique_ptr<AVPacket, PacketFree>;
using Sws = std::unique_ptr<SwsContext, SwsFree>;
using Buffer = std::unique_ptr<uint8_t, BufferFree>;  ///< av_malloc'ed memory

/// FFmpeg's message for an error code.
inline std::string error_string(int err) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {0};
  av_strerror(err, buf, sizeof buf);
  return buf;
}

/// Whether `path` is named as a playlist (.m3u8, .m3u): only those are read by demuxers that open other files.
inline bool playlist_name(const std::string& path) {
  std::string ext = path.size() >= 5 ? path.substr(path.size() - 5) : path;
  for (auto& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext == ".m3u8" || (ext.size() >= 4 && ext.compare(ext.size() - 4, 4, ".m3u") == 0);
}

namespace detail {
// A playlist's reads (its segments, keys, nested playlists) stay in its own folder: io_open refuses any other file
// (absolute, "../", file:// elsewhere, links out of it) and any protocol but files and data: URIs. The jail is the
// context's `opaque`, owned by the context once it is open (InputClose deletes it).
struct PlaylistJail {
  std::string folder;   // canonical, with a trailing '/'
  std::string refused;  // the first URL refused, for the error message
  int (*default_open)(AVFormatContext*, AVIOContext**, const char*, int, AVDictionary**) = nullptr;
};

inline int jailed_open(AVFormatContext* s, AVIOContext** pb, const char* url, int flags, AVDictionary** options) {
  auto* jail = static_cast<PlaylistJail*>(s->opaque);
  std::string u = url ? url : "";
  const bool data = u.rfind("data:", 0) == 0;
  for (const char* prefix : {"crypto+", "crypto:"})
    if (u.rfind(prefix, 0) == 0) u = u.substr(std::strlen(prefix));
  if (u.rfind("file://", 0) == 0)
    u = u.substr(7);
  else if (u.rfind("file:", 0) == 0)
    u = u.substr(5);
  bool inside = data;
  if (!data && u.find("://") == std::string::npos) {
    char* real = realpath(u.c_str(), nullptr);  // a segment that does not exist is refused by the open anyway
    const std::string r = real ? real : "";
    std::free(real);
    inside = !r.empty() && r.compare(0, jail->folder.size(), jail->folder) == 0;
  }
  if (!inside) {
    if (jail->refused.empty()) jail->refused = url ? url : "";
    return AVERROR(EPERM);
  }
  return jail->default_open(s, pb, url, flags, options);
}
}  // namespace detail

inline void InputClose::operator()(AVFormatContext* c) const {
  auto* jail = c && c->io_open == detail::jailed_open ? static_cast<detail::PlaylistJail*>(c->opaque) : nullptr;
  avformat_close_input(&c);
  delete jail;
}

/// Opens a local media file for reading, as every part of the tool does (decoder, clip copier), under the input
/// rules of docs/cli.md: the file protocol only (never the network), the path given to FFmpeg as `file:` + path (a
/// name such as `my:clip.mp4` is a file, not a protocol), and demuxers that open other files named inside the input
/// (HLS and concat playlists, DASH and IMF manifests, scripts) only for an input named as a playlist (.m3u8, .m3u),
/// whose reads stay inside the playlist's own folder: a file named .mp4 that is really a playlist, or a playlist
/// naming files elsewhere, would otherwise publish whatever local video it names. Returns avformat_open_input's
/// result; `refused` (optional) gets the first file a playlist named outside its folder.
inline int open_input_file(const std::string& path, AVFormatContext** ctx, std::string* refused = nullptr) {
  const bool playlist = playlist_name(path);
  static const char* const kIndirect[] = {"hls", "applehttp", "concat",      "dash",
                                          "imf", "avisynth",  "vapoursynth", "lavfi"};
  std::string allowed;
  void* it = nullptr;
  while (const AVInputFormat* f = av_demuxer_iterate(&it)) {
    bool indirect = false;
    for (const char* name : kIndirect) indirect = indirect || std::strcmp(f->name, name) == 0;
    if (indirect && !(playlist && (std::strcmp(f->name, "hls") == 0 || std::strcmp(f->name, "applehttp") == 0)))
      continue;
    allowed += (allowed.empty() ? "" : ",") + std::string(f->name);
  }
  AVDictionary* opts = nullptr;
  av_dict_set(&opts, "protocol_whitelist", playlist ? "file,crypto,data" : "file", 0);
  av_dict_set(&opts, "format_whitelist", allowed.c_str(), 0);
  // The jail lives as long as the context (reads of later segments go through it): kept in a registry keyed by the
  // context, freed by close_jail (av::Input's deleter).
  std::unique_ptr<detail::PlaylistJail> jail;
  if (playlist) {
    *ctx = avformat_alloc_context();
    if (!*ctx) return AVERROR(ENOMEM);
    jail = std::make_unique<detail::PlaylistJail>();
    char* real = realpath(path.c_str(), nullptr);
    std::string folder = real ? real : path;
    std::free(real);
    folder = folder.substr(0, folder.rfind('/') + 1);
    jail->folder = folder;
    jail->default_open = (*ctx)->io_open;
    (*ctx)->opaque = jail.get();
    (*ctx)->io_open = detail::jailed_open;
  }
  const int r = avformat_open_input(ctx, ("file:" + path).c_str(), nullptr, &opts);
  av_dict_free(&opts);
  if (jail && refused) *refused = jail->refused;
  if (r >= 0 && jail) (*ctx)->opaque = jail.release();  // owned by the context from here: freed by InputClose
  return r;
}

/// What the decoder and the clip copier need about the streams, without avformat_find_stream_info when the
/// container's header already says it: that call decodes the first frames to learn little more than the pixel
/// format (about 70 ms for 1080p H.264, paid by every open). Skipped when the container has a header (not MPEG-TS
/// and the like, whose streams appear while reading) and gives every video stream's codec, size and frame rate and
/// the duration (MP4/MOV, most Matroska); the pixel format may then stay AV_PIX_FMT_NONE until the first frame is
/// decoded. Returns avformat_find_stream_info's result, or 0 when it was not needed.
inline int probe_streams(AVFormatContext* fmt) {
  bool known = !(fmt->ctx_flags & AVFMTCTX_NOHEADER), video = false;
  for (unsigned i = 0; known && i < fmt->nb_streams; ++i) {
    const AVStream* st = fmt->streams[i];
    const AVCodecParameters* p = st->codecpar;
    if (p->codec_type != AVMEDIA_TYPE_VIDEO || (st->disposition & AV_DISPOSITION_ATTACHED_PIC)) continue;
    video = true;
    const bool rate = (st->avg_frame_rate.num > 0 && st->avg_frame_rate.den > 0) ||
                      (st->r_frame_rate.num > 0 && st->r_frame_rate.den > 0);
    known = p->codec_id != AV_CODEC_ID_NONE && p->width > 0 && p->height > 0 && rate &&
            (fmt->duration > 0 || st->duration > 0);
  }
  return known && video ? 0 : avformat_find_stream_info(fmt, nullptr);
}

// A stream's display matrix (AV_PKT_DATA_DISPLAYMATRIX: 9 int32), nullptr when it has none; `size` gets its bytes.
// FFmpeg 6.1 moved stream side data into the codec parameters (coded_side_data) and FFmpeg 7 removed the old calls;
// FF_API_AVSTREAM_SIDE_DATA exists from 6.1 on, so it tells which API this FFmpeg has, without deprecation warnings.
inline const std::uint8_t* display_matrix(const AVStream* st, std::size_t* size) {
#if defined(FF_API_AVSTREAM_SIDE_DATA)
  const AVPacketSideData* sd = av_packet_side_data_get(st->codecpar->coded_side_data, st->codecpar->nb_coded_side_data,
                                                       AV_PKT_DATA_DISPLAYMATRIX);
  if (!sd) return nullptr;
  if (size) *size = sd->size;
  return sd->data;
#else
  std::size_t n = 0;
  const std::uint8_t* d = av_stream_get_side_data(st, AV_PKT_DATA_DISPLAYMATRIX, &n);
  if (size) *size = n;
  return d;
#endif
}

// Gives `out` the display matrix of `in` (a stream copy keeps its rotation); call before the header is written.
// Nothing when `in` has none, or when copying the codec parameters brought it along (FFmpeg 6.1 and later).
inline void copy_display_matrix(const AVStream* in, AVStream* out) {
  std::size_t size = 0;
  const std::uint8_t* dm = display_matrix(in, &size);
  if (!dm || size == 0 || display_matrix(out, nullptr)) return;
#if defined(FF_API_AVSTREAM_SIDE_DATA)
  AVPacketSideData* sd = av_packet_side_data_new(&out->codecpar->coded_side_data, &out->codecpar->nb_coded_side_data,
                                                 AV_PKT_DATA_DISPLAYMATRIX, size, 0);
  if (sd) std::memcpy(sd->data, dm, size);
#else
  if (std::uint8_t* d = av_stream_new_side_data(out, AV_PKT_DATA_DISPLAYMATRIX, size)) std::memcpy(d, dm, size);
#endif
}

}  // namespace cords::av
