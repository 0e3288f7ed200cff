#include "cords/decode/ffmpeg_detail.h"

#include <dlfcn.h>

#include <cmath>
#include <cstdio>
#include <cstring>

#include "cords/core/error.h"
#include "cords/decode/av_handles.h"

namespace cords::decode {

[[noreturn]] void unreadable(const std::string& path, const std::string& why) {
  throw input_unreadable("cannot read video '" + path + "': " + why);
}

int stream_rotation(const AVStream* st) {
  std::size_t size = 0;
  const auto* matrix = reinterpret_cast<const int32_t*>(av::display_matrix(st, &size));
  if (!matrix || size < 9 * sizeof(int32_t)) return 0;
  const double ccw = av_display_rotation_get(matrix);
  if (std::isnan(ccw)) return 0;
  int cw = static_cast<int>(std::lround(-ccw));
  cw = ((cw % 360) + 360) % 360;
  return (cw + 45) / 90 * 90 % 360;  // nearest quarter turn
}

std::atomic<bool> g_verbose{false};

void apply_log_level() {
  av_log_set_level(g_verbose ? AV_LOG_WARNING : AV_LOG_QUIET);
}

bool plausible_rate(AVRational r) {
  return r.num > 0 && r.den > 0 && av_q2d(r) <= 1000.0;
}

AVRational stream_frame_rate(AVFormatContext* fmt, AVStream* st) {
  const AVRational guess = av_guess_frame_rate(fmt, st, nullptr);
  if (plausible_rate(guess)) return guess;
  if (plausible_rate(st->avg_frame_rate)) return st->avg_frame_rate;
  if (plausible_rate(st->r_frame_rate)) return st->r_frame_rate;
  return AVRational{0, 0};
}

std::string open_failure(const std::string& path, int err) {
  if (err == AVERROR(EACCES)) return "permission denied";
  char head[16] = {0};
  if (std::FILE* f = std::fopen(path.c_str(), "rb")) {
    const std::size_t n = std::fread(head, 1, sizeof head - 1, f);
    std::fclose(f);
    head[n] = 0;
    if (n >= 8 && std::memcmp(head + 4, "ftyp", 4) == 0)
      return "an MP4/MOV file without its index (moov): truncated, or still being written";
    const bool listed = std::strncmp(head, "#EXTM3U", 7) == 0 || std::strncmp(head, "ffconcat", 8) == 0;
    if (listed && !av::playlist_name(path))
      return "it is a playlist naming other files; only inputs named .m3u8 are read as playlists";
    if (listed) return "a playlist whose segments cannot be read (" + av::error_string(err) + ")";
  }
  // A format FFmpeg recognises from the first bytes but cannot open (a header with impossible sizes, say): named, so
  // that the message does not read as an unrelated system error ("Device or resource busy").
  std::string probe(4096 + AVPROBE_PADDING_SIZE, '\0');
  if (std::FILE* f = std::fopen(path.c_str(), "rb")) {
    const std::size_t n = std::fread(probe.data(), 1, 4096, f);
    std::fclose(f);
    // (by the bytes alone: a text file named .mp4 is not "a QuickTime file")
    AVProbeData pd{"", reinterpret_cast<unsigned char*>(probe.data()), static_cast<int>(n), nullptr};
    int score = 0;
    const AVInputFormat* fmt = av_probe_input_format3(&pd, 1, &score);
    if (fmt && score > AVPROBE_SCORE_EXTENSION)
      return std::string("a ") + (fmt->long_name ? fmt->long_name : fmt->name) +
             " file whose header FFmpeg cannot accept (damaged, or sizes beyond what it decodes)";
  }
  return "not a recognised media file (" + av::error_string(err) + ")";
}

bool is_image_container(const AVFormatContext* fmt) {
  const std::string name = fmt->iformat->name;
  return name == "image2" || (name.size() > 5 && name.compare(name.size() - 5, 5, "_pipe") == 0);
}

bool moving_pictures(AVFormatContext* fmt) {
  av::Packet p{av_packet_alloc()};
  if (!p) throw std::bad_alloc();
  int pictures = 0;
  for (int packets = 0; pictures < 2 && packets < 16 && av_read_frame(fmt, p.get()) >= 0; ++packets) {
    if (fmt->streams[p->stream_index]->codecpar->codec_type == AVMEDIA_TYPE_VIDEO) ++pictures;
    av_packet_unref(p.get());
  }
  if (av_seek_frame(fmt, -1, 0, AVSEEK_FLAG_BYTE) < 0) return false;
  return pictures >= 2;
}

bool frame_grid(const AVFrame* f, Grid& g) {
  const AVPixFmtDescriptor* d = av_pix_fmt_desc_get(static_cast<AVPixelFormat>(f->format));
  if (!d ||
      (d->flags & (AV_PIX_FMT_FLAG_PAL | AV_PIX_FMT_FLAG_BITSTREAM | AV_PIX_FMT_FLAG_HWACCEL | AV_PIX_FMT_FLAG_BE)) ||
      d->nb_components < 3 || f->width < kGridW || f->height < kGridH)
    return false;
  for (int c = 0; c < 3; ++c)
    if (d->comp[c].depth < 8 || d->comp[c].depth > 16) return false;
  const bool rgb = (d->flags & AV_PIX_FMT_FLAG_RGB) != 0;
  const bool limited = !rgb && f->color_range != AVCOL_RANGE_JPEG && d->name && std::strncmp(d->name, "yuvj", 4) != 0;
  // Sums of the 4x4 samples of each block, per component: sample positions computed once per component (4 per block
  // on either axis), then read straight from the planes.
  float acc[3][kGridCells] = {};
  for (int c = 0; c < 3; ++c) {
    const AVComponentDescriptor& cd = d->comp[c];
    const bool chroma = !rgb && c > 0;
    const int sw = chroma ? d->log2_chroma_w : 0, sh = chroma ? d->log2_chroma_h : 0;
    int xs[kGridW * 4], ys[kGridH * 4];
    for (int i = 0; i < kGridW * 4; ++i)
      xs[i] = (static_cast<int>((i + 0.5) / 4 * f->width / kGridW) >> sw) * cd.step + cd.offset;
    for (int i = 0; i < kGridH * 4; ++i) ys[i] = static_cast<int>((i + 0.5) / 4 * f->height / kGridH) >> sh;
    const unsigned mask = (1u << cd.depth) - 1;
    const float scale = 1.0f / static_cast<float>(1 << (cd.depth - 8));
    for (int yi = 0; yi < kGridH * 4; ++yi) {
      const std::uint8_t* row = f->data[cd.plane] + static_cast<std::ptrdiff_t>(ys[yi]) * f->linesize[cd.plane];
      float* out = acc[c] + (yi / 4) * kGridW;
      if (cd.depth == 8 && cd.shift == 0) {
        for (int xi = 0; xi < kGridW * 4; ++xi) out[xi / 4] += row[xs[xi]];
      } else {
        for (int xi = 0; xi < kGridW * 4; ++xi) {
          const unsigned v = cd.depth > 8 ? *reinterpret_cast<const std::uint16_t*>(row + xs[xi]) : row[xs[xi]];
          out[xi / 4] += static_cast<float>((v >> cd.shift) & mask) * scale;
        }
      }
    }
  }
  for (int cell = 0; cell < kGridCells; ++cell) {
    float y = acc[0][cell] / 16, u = acc[1][cell] / 16, v = acc[2][cell] / 16;
    if (rgb) {  // components are R, G, B: BT.601 luma and colour differences
      const float r = y, gg = u, b = v;
      y = 0.299f * r + 0.587f * gg + 0.114f * b;
      u = 128 + 0.564f * (b - y);
      v = 128 + 0.713f * (r - y);
    } else if (limited) {
      y = std::clamp((y - 16) * 255.0f / 219.0f, 0.0f, 255.0f);
    }
    g[static_cast<std::size_t>(cell)] = y;
    g[static_cast<std::size_t>(kGridCells) + static_cast<std::size_t>(cell)] = u;
    g[2 * static_cast<std::size_t>(kGridCells) + static_cast<std::size_t>(cell)] = v;
  }
  return true;
}

float grid_diff(const Grid& a, const Grid& b) {
  float s = 0;
  for (std::size_t i = 0; i < a.size(); ++i) s += std::fabs(a[i] - b[i]);
  return s / static_cast<float>(a.size());
}

AVPixelFormat pick_cuda_format(AVCodecContext*, const AVPixelFormat* offered) {
  for (const AVPixelFormat* p = offered; *p != AV_PIX_FMT_NONE; ++p)
    if (*p == AV_PIX_FMT_CUDA) return *p;
  return offered[0];  // the software format FFmpeg would take (it falls back per frame sequence)
}

std::string open_cuda_decoder(AVCodecContext* dec, const AVCodec* codec) {
  if (void* lib = dlopen("libcuda.so.1", RTLD_LAZY | RTLD_LOCAL)) {
    dlclose(lib);
  } else {
    return "no NVIDIA driver (libcuda.so.1) on this machine";
  }
  bool supported = false;
  for (int i = 0;; ++i) {
    const AVCodecHWConfig* c = avcodec_get_hw_config(codec, i);
    if (!c) break;
    if (c->device_type == AV_HWDEVICE_TYPE_CUDA && (c->methods & AV_CODEC_HW_CONFIG_METHOD_HW_DEVICE_CTX))
      supported = true;
  }
  if (!supported) return std::string("this FFmpeg build has no NVDEC decoder for ") + codec->name;
  AVBufferRef* device = nullptr;
  const int r = av_hwdevice_ctx_create(&device, AV_HWDEVICE_TYPE_CUDA, nullptr, nullptr, 0);
  if (r < 0) return "cannot open a CUDA device for NVDEC (" + av::error_string(r) + ")";
  dec->hw_device_ctx = device;  // the decoder owns the reference
  dec->get_format = pick_cuda_format;
  return "";
}

}  // namespace cords::decode
