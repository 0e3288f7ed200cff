#pragma once
// Owning handles for FFmpeg objects, shared by the decoder and the clip writer: each deleter calls the matching
// FFmpeg free function, so every AVFormatContext/AVCodecContext/AVFrame/AVPacket/SwsContext has one owner.
extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libswscale/swscale.h>
}

#include <memory>
#include <string>

namespace cords::av {

struct InputClose {
  void operator()(AVFormatContext* c) const { avformat_close_input(&c); }
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

}  // namespace cords::av
