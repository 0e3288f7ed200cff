#include "cords/decode/ffmpeg_source.h"

#include <dlfcn.h>

extern "C" {
#include <libavutil/cpu.h>
#include <libavutil/display.h>
#include <libavutil/hwcontext.h>
#include <libavutil/imgutils.h>
#include <libavutil/pixdesc.h>
}

#include <array>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <deque>
#include <filesystem>
#include <limits>
#include <optional>
#include <queue>

#include "cords/core/error.h"
#include "cords/core/names.h"
#include "cords/decode/av_handles.h"

namespace cords::decode {
namespace {

// "No time yet" for the decoder's clocks in seconds (no frame decoded yet): every frame time is after it, and
// std::isinf tells it apart.
constexpr double kNoTime = -std::numeric_limits<double>::infinity();
// "No target" for the clocks in pts (no seek target, nothing to skip to): every pts is at or after it.
constexpr std::int64_t kNoPts = std::numeric_limits<std::int64_t>::min();

// The sampling grid, exact in the stream's time base: sample times origin + m * period, the period (1 / sample_fps
// seconds) a rational number of ticks. A frame shown at pts is taken when it reaches the next sample time (the first
// frame starts the grid); the grid then moves on one period, or restarts at pts when a gap passed that time too.
class SampleGrid {
 public:
  SampleGrid() = default;
  SampleGrid(AVRational tb, double sample_fps) {
    if (!(sample_fps > 0) || tb.num <= 0 || tb.den <= 0) return;
    constexpr double kSlowest = 1.0 / (1 << 20);  // one sample in 12 days: a rate av_d2q keeps above 0
    const AVRational fps = av_d2q(std::max(sample_fps, kSlowest), 1 << 24);
    num_ = std::int64_t{tb.den} * fps.den;  // ticks per period: num_ / den_
    den_ = std::int64_t{tb.num} * fps.num;
  }
  /// The next frame starts the grid.
  void unstart() { started_ = false; }
  /// The grid's first sample time is `pts`.
  void start_at(std::int64_t pts) {
    started_ = true;
    origin_ = pts;
    m_ = 0;
  }
  bool take(std::int64_t pts) {
    if (!started_) start_at(pts);
    if (pts < time_of(m_)) return false;
    if (time_of(++m_) <= pts) {
      start_at(pts);
      m_ = 1;
    }
    return true;
  }
  /// Whether a frame shown at pts may be the one take() takes next: at or after the next sample time and less than
  /// `margin` ticks after a sample time. Before the grid has started: yes.
  bool near_sample(std::int64_t pts, double margin) const {
    if (!started_ || num_ <= 0) return true;  // (no grid: sample_fps or the time base not positive)
    if (pts < time_of(m_)) return false;
    const std::int64_t j = mul_div_floor(pts - origin_, den_, num_);  // the last sample time <= pts
    return static_cast<double>(pts - time_of(j)) < margin;
  }

 private:
  std::int64_t time_of(std::int64_t m) const { return origin_ + mul_div_ceil(m, num_, den_); }
  std::int64_t num_ = 0, den_ = 1, origin_ = 0, m_ = 0;
  bool started_ = false;
};

[[noreturn]] void unreadable(const std::string& path, const std::string& why) {
  throw input_unreadable("cannot read video '" + path + "': " + why);
}

// Clockwise degrees that turn decoded frames upright, from the stream's display matrix (0 when absent).
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

// A plausible frame rate: at most 1000 frames a second (time bases such as 1/90000 are not frame rates).
bool plausible_rate(AVRational r) {
  return r.num > 0 && r.den > 0 && av_q2d(r) <= 1000.0;
}

// The stream's frame rate: FFmpeg's guess, else its average rate, else its base rate (r_frame_rate), else 0/0, which
// the timestamps of the first decoded frames then replace (next()). The guess alone is 0/0 for AVI files opened
// without avformat_find_stream_info (r_frame_rate not known yet): their clips then played at 25 fps.
AVRational stream_frame_rate(AVFormatContext* fmt, AVStream* st) {
  const AVRational guess = av_guess_frame_rate(fmt, st, nullptr);
  if (plausible_rate(guess)) return guess;
  if (plausible_rate(st->avg_frame_rate)) return st->avg_frame_rate;
  if (plausible_rate(st->r_frame_rate)) return st->r_frame_rate;
  return AVRational{0, 0};
}

// Why a regular file did not open, in the user's terms.
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

// Whether an image demuxer's input holds more than one picture (an MJPEG stream, a series of PNGs): a video, read
// from its start again afterwards. A single picture is a still image.
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

// The 32x18 grid of block means (Y, U, V; Y in full range) that segment::FrameStat is computed from. Each block is
// averaged over 4x4 pixels spread across it, which keeps film grain out of the differences at ~10k reads a plane.
constexpr int kGridW = 32, kGridH = 18, kGridCells = kGridW * kGridH;
using Grid = std::array<float, 3 * kGridCells>;

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

// NVDEC through FFmpeg's CUDA hwaccel for `dec`, when the driver, the FFmpeg build and the codec allow it: returns
// "" and sets the decoder up, or why not. The driver's library is looked for first, so machines without one are
// not asked (FFmpeg would log its failure to load it).
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

}  // namespace

struct FFmpegSource::Impl {
  DecodeOptions opts;
  VideoInfo info;
  av::Input fmt;
  av::Codec dec;
  av::Frame frame{av_frame_alloc()};
  av::Packet pkt{av_packet_alloc()};
  av::Sws sws, sws_yuv;  // to RGB, to YUV 4:2:0
  av::Buffer scratch;    // swscale's output, aligned and padded
  std::size_t scratch_bytes = 0;
  av::Frame sw_frame;  // a hardware frame copied back to memory (hwaccel)
  // Per-frame statistics (opts.frame_stats): the grids of the last decoded frames (newest last), enough for the
  // dissolve window, and the statistics not yet taken.
  std::deque<Grid> grids;
  std::deque<std::ptrdiff_t> grid_stat;  // the index in `stats` of each grid's frame, -1 for frames outside the range
  std::vector<segment::FrameStat> stats;
  int dissolve_half = 10;  // L: decoded frames on either side of a dissolve window's centre
  int stream = -1;
  AVRational tb{1, 1};
  bool flushing = false;
  bool finished = false;
  std::int64_t decoded = 0;
  std::int64_t skipped = 0;
  std::int64_t last_pts = AV_NOPTS_VALUE;
  std::int64_t pts_step = 1;           // synthesised pts increment when a frame has none
  double frame_seconds = 0.04;         // one frame at the average frame rate (25 fps when unknown)
  SampleGrid grid;                     // the frames next() samples (with sample_fps > 0)
  SampleGrid key_grid;                 // key frames only: the same grid as the packets read see it
  std::int64_t drop_before = kNoPts;   // after a seek: frames shown before this pts are dropped
  std::int64_t nonref_until = kNoPts;  // packets earlier than this (minus a margin) skip non-reference frames
  std::int64_t range_start = kNoPts;   // DecodeOptions::range_start as a pts (kNoPts: from the start)
  std::int64_t range_end = std::numeric_limits<std::int64_t>::max();  // range_end as a pts: frames from it end
  std::optional<std::int64_t> position;                               // pts of the last decoded frame
  double read_until = -1;      // seconds: end of the stream's last packet read (pts + duration)
  double latest = kNoTime;     // the latest frame time decoded so far
  std::int64_t backwards = 0;  // frames more than a second before `latest` (timestamps that restart)
  AVDiscard normal_skip = AVDISCARD_DEFAULT;
  // Sparse sampling (pass 1): a non-reference frame (one no other frame is predicted from) that is not the frame
  // shown at a sample time is not decoded at all. sample_margin > 0 enables it: a packet is decoded when its pts
  // falls within sample_margin after a sample time of the grid that next() follows.
  double sample_margin = 0;
  // The display-order index of each frame (what Frame::index reports) is the number of packets with a smaller pts,
  // skipped ones included: pts of the packets sent and not yet passed, smallest first.
  std::priority_queue<std::int64_t, std::vector<std::int64_t>, std::greater<>> sent_pts;
  std::int64_t passed = 0;
  // Frame-exact cuts while skipping (frame_stats): an anchor (a packet shown after every packet before it in decode
  // order: a P or I picture, the B-frames it closes follow it) far larger than the anchors before it is mostly intra
  // coded, a likely cut; the B-frames it closes are then decoded too, so that a cut on one of them is seen where it
  // is. `anchor_sizes` holds the last non-key anchors' sizes; packets shown before `exact_until` are not skipped.
  std::deque<int> anchor_sizes;
  bool numbered = false;           // a frame without any timestamp was given its number in frames (frame_pts)
  bool pictured = false;           // take_picture_facts() has run
  AVRational sar{0, 1};            // pixel aspect ratio (0/1: square or unknown)
  std::deque<av::Packet> pending;  // read ahead after a seek (land_before), decoded before any packet read later
  std::int64_t max_sent_pts = INT64_MIN, exact_until = INT64_MIN;

  // One piece: opening the input step by step (demuxer, stream, decoder, threads, NVDEC, range), each failure a
  // named InputUnreadable.
  Impl(const std::string& path, const DecodeOptions& o) : opts(o) {
    namespace fs = std::filesystem;
    apply_log_level();
    std::error_code ec;
    const fs::file_type type = fs::status(path, ec).type();
    if (type == fs::file_type::not_found) unreadable(path, "no such file");
    if (type == fs::file_type::directory) unreadable(path, "it is a directory");
    // FIFOs, devices and sockets can block forever or never end; only regular files (and links to them) are read.
    if (type != fs::file_type::regular) unreadable(path, "not a regular file (a FIFO, device or socket)");
    if (fs::file_size(path, ec) == 0) unreadable(path, "the file is empty");
    if (!frame || !pkt) throw std::bad_alloc();

    AVFormatContext* raw = nullptr;
    std::string refused;
    int r = av::open_input_file(path, &raw, &refused);
    if (r < 0 && !refused.empty())
      unreadable(path,
                 "the playlist names '" + refused +
                     "', which is not a file in the playlist's own folder (or below it): a playlist may name only "
                     "those");
    if (r < 0) unreadable(path, open_failure(path, r));
    fmt.reset(raw);
    r = av::probe_streams(fmt.get());
    if (r < 0) unreadable(path, "cannot find its streams (" + av::error_string(r) + ")");
    if (is_image_container(fmt.get()) && !moving_pictures(fmt.get()))
      unreadable(path, "it is a still image, not a video");

    bool has_audio = false;
    for (unsigned i = 0; i < fmt->nb_streams; ++i) {
      const AVStream* st = fmt->streams[i];
      if (st->codecpar->codec_type == AVMEDIA_TYPE_AUDIO && !has_audio) {
        has_audio = true;
        info.audio_codec = avcodec_get_name(st->codecpar->codec_id);
#if LIBAVCODEC_VERSION_INT >= AV_VERSION_INT(59, 24, 100)
        info.audio_channels = st->codecpar->ch_layout.nb_channels;
#else
        info.audio_channels = st->codecpar->channels;
#endif
      }
      if (stream < 0 && st->codecpar->codec_type == AVMEDIA_TYPE_VIDEO &&
          !(st->disposition & AV_DISPOSITION_ATTACHED_PIC))
        stream = static_cast<int>(i);
    }
    if (stream < 0) unreadable(path, has_audio ? "it has no video stream (audio only)" : "it has no video stream");
    AVStream* st = fmt->streams[stream];
    for (unsigned i = 0; i < fmt->nb_streams; ++i)
      if (static_cast<int>(i) != stream) fmt->streams[i]->discard = AVDISCARD_ALL;
    tb = st->time_base;

    const AVCodec* codec = avcodec_find_decoder(st->codecpar->codec_id);
    if (!codec)
      unreadable(path, std::string("no decoder for its codec '") + avcodec_get_name(st->codecpar->codec_id) + "'");
    dec.reset(avcodec_alloc_context3(codec));
    if (!dec) throw std::bad_alloc();
    r = avcodec_parameters_to_context(dec.get(), st->codecpar);
    if (r < 0) unreadable(path, "bad codec parameters (" + av::error_string(r) + ")");
    // Frame threads: FFmpeg's own choice (cores + 1) leaves the cores a third idle when non-reference frames are
    // skipped (sparse sampling, seeks): the frames left depend on one another, so more must be in flight. Three
    // per core, at most 16, FFmpeg's own cap on automatic counts (measured: docs/benchmarks.md).
    // By default all the CPUs this process may run on (affinity), as FFmpeg counts them.
    const int cores = opts.threads > 0 ? opts.threads : std::max(1, av_cpu_count());
    dec->thread_count = std::min(16, 3 * cores);
    dec->thread_type = FF_THREAD_FRAME | FF_THREAD_SLICE;
    dec->pkt_timebase = tb;
    if (opts.keyframes_only) dec->skip_frame = normal_skip = AVDISCARD_NONKEY;
    if (opts.skip_loop_filter) dec->skip_loop_filter = AVDISCARD_ALL;
    if (opts.hwaccel == HwAccel::Cuda || opts.hwaccel == HwAccel::Auto) {
      const std::string why = open_cuda_decoder(dec.get(), codec);
      if (why.empty()) {
        info.hwaccel = HwAccel::Cuda;
        dec->thread_count = 1;  // NVDEC decodes; frame threads would only hold more GPU surfaces
      } else if (opts.hwaccel == HwAccel::Cuda) {
        info.hwaccel_note = "NVDEC not used: " + why + "; decoding on the CPU";
      }
    }
    r = avcodec_open2(dec.get(), codec, nullptr);
    if (r < 0) unreadable(path, "cannot open its decoder (" + av::error_string(r) + ")");

    info.path = path;
    info.container = fmt->iformat->name;
    info.codec = avcodec_get_name(st->codecpar->codec_id);
    const char* pf = av_get_pix_fmt_name(static_cast<AVPixelFormat>(st->codecpar->format));
    info.pixel_format = pf ? pf : "unknown";
    info.rotation = stream_rotation(st);
    const bool swap = info.rotation == 90 || info.rotation == 270;
    sar = av_guess_sample_aspect_ratio(fmt.get(), st, nullptr);
    info.width = swap ? st->codecpar->height : shown_width(st->codecpar->width);
    info.height = swap ? shown_width(st->codecpar->width) : st->codecpar->height;
    const AVRational fr = stream_frame_rate(fmt.get(), st);
    info.frame_rate = {fr.num, fr.den};
    info.time_base = {tb.num, tb.den};
    // The video stream's own duration first: the container's is the longest stream's (a second, longer video
    // stream or a longer sound track made a complete file look truncated).
    if (st->duration != AV_NOPTS_VALUE && st->duration > 0)
      info.duration = static_cast<double>(st->duration) * av_q2d(tb);
    else if (fmt->duration != AV_NOPTS_VALUE && fmt->duration > 0)
      info.duration = static_cast<double>(fmt->duration) / AV_TIME_BASE;
    info.frame_count = st->nb_frames;
    info.file_size = static_cast<std::int64_t>(fs::file_size(path, ec));
    info.bit_rate = fmt->bit_rate > 0 ? fmt->bit_rate : 0;
    if (info.bit_rate == 0 && info.duration > 0)  // AVI and others say only after probing: from size and duration
      info.bit_rate = static_cast<std::int64_t>(static_cast<double>(info.file_size) * 8 / info.duration);
    if (st->start_time != AV_NOPTS_VALUE)
      info.start = static_cast<double>(st->start_time) * av_q2d(tb);
    else if (fmt->start_time != AV_NOPTS_VALUE)
      info.start = static_cast<double>(fmt->start_time) / AV_TIME_BASE;
    if (fr.num > 0 && fr.den > 0) {
      pts_step = std::max<std::int64_t>(1, av_rescale_q(1, av_inv_q(fr), tb));
      frame_seconds = av_q2d(av_inv_q(fr));
      dissolve_half = std::clamp(static_cast<int>(std::lround(0.4 / frame_seconds)), 4, 15);  // about 0.4 s
    }
    // Skipping pays when at most one frame in three is sampled, and needs packets with timestamps.
    if (opts.sample_fps > 0 && !opts.keyframes_only && fr.num > 0 && fr.den > 0 &&
        !(fmt->iformat->flags & AVFMT_NOTIMESTAMPS) && 1.0 / opts.sample_fps >= 3.0 * frame_seconds)
      sample_margin = 1.5 * frame_seconds;
    grid = key_grid = SampleGrid(tb, opts.sample_fps);
    // --start/--end (seconds from the start) as pts, once: frame times are compared in pts from here on.
    const std::int64_t start_pts = st->start_time != AV_NOPTS_VALUE ? st->start_time
                                   : fmt->start_time != AV_NOPTS_VALUE
                                       ? av_rescale_q(fmt->start_time, AVRational{1, AV_TIME_BASE}, tb)
                                       : 0;
    const Rational stream_tb{tb.num, tb.den};
    if (opts.range_end > 0) range_end = start_pts + Timestamp::nearest(opts.range_end, stream_tb).pts;
    if (opts.range_start > 0) {
      range_start = start_pts + Timestamp::nearest(opts.range_start, stream_tb).pts;
      seek(range_start);
    }
  }

  // The first decoded picture says what the stream really holds: its size (rotation applied) and pixel format, where
  // the header said otherwise or nothing (a size of 0, a format not known before decoding, a header that lies).
  void take_picture_facts() {
    pictured = true;
    if (frame->width <= 0 || frame->height <= 0) return;
    const bool swap = info.rotation == 90 || info.rotation == 270;
    const AVRational frame_sar = av_guess_sample_aspect_ratio(fmt.get(), fmt->streams[stream], frame.get());
    if (frame_sar.num > 0 && frame_sar.den > 0) sar = frame_sar;
    info.width = swap ? frame->height : shown_width(frame->width);
    info.height = swap ? shown_width(frame->width) : frame->height;
    if (frame->format >= 0 && !frame->hw_frames_ctx)
      if (const char* pf = av_get_pix_fmt_name(static_cast<AVPixelFormat>(frame->format))) info.pixel_format = pf;
  }

  // avcodec_receive_frame into `frame`, with a hardware (NVDEC) picture copied back to memory (NV12 or P010), so
  // that everything after it sees an ordinary frame. Returns avcodec_receive_frame's code, or 1 when a hardware
  // frame was received but could not be copied (it is dropped).
  int receive_frame() {
    const int r = avcodec_receive_frame(dec.get(), frame.get());
    if (r != 0 || !frame->hw_frames_ctx) return r;
    if (!sw_frame) sw_frame.reset(av_frame_alloc());
    if (!sw_frame) throw std::bad_alloc();
    const bool ok = av_hwframe_transfer_data(sw_frame.get(), frame.get(), 0) >= 0 &&
                    av_frame_copy_props(sw_frame.get(), frame.get()) >= 0;
    av_frame_unref(frame.get());
    if (!ok) {
      av_frame_unref(sw_frame.get());
      return 1;
    }
    av_frame_move_ref(frame.get(), sw_frame.get());
    return 0;
  }

  // Pulls the next decoded frame into `frame`; false at the end. Corrupt input is counted and skipped.
  // One piece: one loop over FFmpeg's send/receive state machine (frames, EAGAIN, end of file, flushing, corrupt
  // packets); its states are clearer side by side.
  bool decode_next() {
    while (!finished) {
      int r = receive_frame();
      if (r == 1) {  // a hardware frame that could not be copied back
        ++skipped;
        continue;
      }
      if (r == 0) {
        if (!pictured) take_picture_facts();
        return true;
      }
      if (r == AVERROR_EOF) {
        finished = true;
        return false;
      }
      if (r != AVERROR(EAGAIN)) {  // a frame that failed to decode
        ++skipped;
        continue;
      }
      if (flushing) {  // EAGAIN while flushing should not happen; end rather than spin
        finished = true;
        return false;
      }
      r = read_packet();
      if (r < 0) {  // end of file, or a read error / truncation: flush what the decoder holds
        if (r != AVERROR_EOF) ++skipped;
        avcodec_send_packet(dec.get(), nullptr);
        flushing = true;
        continue;
      }
      if (pkt->stream_index == stream && pkt->pts != AV_NOPTS_VALUE)
        read_until =
            std::max(read_until, static_cast<double>(pkt->pts + std::max<std::int64_t>(0, pkt->duration)) * av_q2d(tb));
      // Key frames only: other packets never reach the decoder. (Sent with AVDISCARD_NONKEY they would still be
      // parsed - every NAL unit unescaped - which costs ~0.7 s per minute of 6 Mbit/s 1080p, more than decoding the
      // key frames themselves.) A stream without key flags yields no frame, and the caller falls back.
      if (pkt->stream_index == stream && opts.keyframes_only &&
          (!(pkt->flags & AV_PKT_FLAG_KEY) || !key_packet_wanted(*pkt))) {
        av_packet_unref(pkt.get());
        continue;
      }
      if (pkt->stream_index == stream) {
        if (sample_margin > 0 && nonref_until == kNoPts) {
          if (pkt->pts == AV_NOPTS_VALUE) {
            sample_margin = 0;  // no timestamps to sample by after all: decode everything from here
            dec->skip_frame = normal_skip;
          } else {
            sent_pts.push(pkt->pts);
            if (opts.frame_stats) watch_anchor(*pkt);
            dec->skip_frame = grid.near_sample(pkt->pts, sample_margin / av_q2d(tb)) || pkt->pts < exact_until
                                  ? normal_skip
                                  : std::max(normal_skip, AVDISCARD_NONREF);
          }
        }
        if (nonref_until != kNoPts) {  // skipping ahead: B-frames are not needed to reach the target
          // A non-reference frame shown before the target is never needed: next() drops it. With a pts that is
          // exact (the decoder reads skip_frame per packet, frame threads included; a margin of two frames guards
          // against rounding); with only a dts, which may precede the pts by the reordering delay, 1 s of margin.
          const bool has_pts = pkt->pts != AV_NOPTS_VALUE;
          const std::int64_t pt = has_pts ? pkt->pts : pkt->dts;
          const double margin = (has_pts ? 2 * frame_seconds : 1.0) / av_q2d(tb);
          const bool near =
              pt == AV_NOPTS_VALUE || static_cast<double>(pt) >= static_cast<double>(nonref_until) - margin;
          dec->skip_frame = near ? normal_skip : std::max(normal_skip, AVDISCARD_NONREF);
          if (near) nonref_until = kNoPts;
        }
        r = avcodec_send_packet(dec.get(), pkt.get());
        if (r < 0 && r != AVERROR(EAGAIN)) ++skipped;  // corrupt packet
      }
      av_packet_unref(pkt.get());
    }
    return false;
  }

  // Keeps exact_until for frame-exact cuts (see anchor_sizes): an anchor of at least kIntraRatio times the median
  // of the last 16 non-key anchors opens the B-frames before it. Costs about 1% on the quality benchmark (a trigger
  // every 15 frames there, much motion) and on steady 1080p (one every 90 frames).
  void watch_anchor(const AVPacket& p) {
    constexpr double kIntraRatio = 2.0;  // a cut into simple content can be as little as 2.5x (tests)
    if (p.pts <= max_sent_pts) return;   // a B-frame
    max_sent_pts = p.pts;
    if (p.flags & AV_PKT_FLAG_KEY) return;  // key frames are large anyway (and a cut at one is exact)
    if (anchor_sizes.size() >= 8) {
      std::vector<int> sorted(anchor_sizes.begin(), anchor_sizes.end());
      std::nth_element(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(sorted.size() / 2), sorted.end());
      if (p.size >= kIntraRatio * sorted[sorted.size() / 2]) exact_until = p.pts;
    }
    anchor_sizes.push_back(p.size);
    if (anchor_sizes.size() > 16) anchor_sizes.pop_front();
  }

  // Key frames only, sampled at a lower rate than they come (all-intra input, or --fast's candidate rate on long
  // inputs): a key frame that next() would drop (shown before its next sample time) is never decoded. The packets
  // follow the same grid as next(), so the same frames come out (unless a key frame sent fails to decode).
  bool key_packet_wanted(const AVPacket& p) {
    if (opts.sample_fps <= 0 || p.pts == AV_NOPTS_VALUE) return true;
    if (p.pts < drop_before) return true;  // before a seek's target: next() drops it without moving the grid
    return key_grid.take(p.pts);
  }

  // Display-order index of the frame just received (pts), counting the frames that were not decoded.
  std::int64_t display_index(std::int64_t pts) {
    if (sample_margin <= 0 && sent_pts.empty()) return decoded;
    while (!sent_pts.empty() && sent_pts.top() < pts) {
      sent_pts.pop();
      ++passed;
    }
    if (!sent_pts.empty() && sent_pts.top() == pts) sent_pts.pop();
    return passed++;
  }

  std::int64_t frame_pts() {
    std::int64_t pts = frame->best_effort_timestamp;
    if (pts == AV_NOPTS_VALUE) pts = frame->pts;
    if (pts == AV_NOPTS_VALUE) {  // counted from the stream's first frame: found again by decoding from there
      pts = last_pts == AV_NOPTS_VALUE ? 0 : last_pts + pts_step;
      numbered = true;
    }
    last_pts = pts;
    return pts;
  }

  // A stored width as shown: stretched by the sample aspect ratio (anamorphic video: 720 stored pixels of 32:27 are
  // 853 square ones), as players show it; unchanged for square pixels or none given.
  int shown_width(int stored) const {
    if (sar.num <= 0 || sar.den <= 0 || sar.num == sar.den) return stored;
    return std::max(1, static_cast<int>(av_rescale(stored, sar.num, sar.den)));
  }

  // The size to scale the current frame to, before rotation: the size asked for (displayed, so swapped for a
  // quarter turn), with a missing side from the aspect ratio; native size when nothing is asked or `native`.
  void target_size(bool native, int& w, int& h) const {
    const bool swap = info.rotation == 90 || info.rotation == 270;
    int dw = native ? 0 : opts.out_width, dh = native ? 0 : opts.out_height;
    const int fw = shown_width(frame->width);
    const int disp_w = swap ? frame->height : fw, disp_h = swap ? fw : frame->height;
    if (dw <= 0 && dh <= 0) {
      dw = disp_w;
      dh = disp_h;
    } else if (dw <= 0) {
      dw = std::max(1, static_cast<int>(std::lround(static_cast<double>(dh) * disp_w / disp_h)));
    } else if (dh <= 0) {
      dh = std::max(1, static_cast<int>(std::lround(static_cast<double>(dw) * disp_h / disp_w)));
    }
    w = swap ? dh : dw;
    h = swap ? dw : dh;
  }

  // The current frame scaled into `scratch`: its size (before rotation) and one plane per pointer.
  struct Scaled {
    int w = 0, h = 0;
    uint8_t* data[4] = {nullptr, nullptr, nullptr, nullptr};
    int stride[4] = {0, 0, 0, 0};
  };

  // Scales the current frame to target_size(native) in `to` (RGB24 or YUV420P). swscale's SIMD paths write whole
  // vectors: its rows are 64-byte aligned with slack at the end; the caller packs them.
  Scaled scale(av::Sws& ctx, AVPixelFormat to, bool native) {
    Scaled s;
    target_size(native, s.w, s.h);
    ctx.reset(sws_getCachedContext(ctx.release(), frame->width, frame->height,
                                   static_cast<AVPixelFormat>(frame->format), s.w, s.h, to,
                                   s.w < frame->width ? SWS_AREA : SWS_BILINEAR, nullptr, nullptr, nullptr));
    if (!ctx)
      throw Error(ErrorKind::InputUnreadable,
                  "cannot convert frames of '" + info.path + "' (pixel format " + info.pixel_format + ")");
    const auto aligned = [](int bytes) { return (bytes + 63) / 64 * 64; };
    int heights[4] = {s.h, 0, 0, 0};
    if (to == AV_PIX_FMT_RGB24) {
      s.stride[0] = aligned(s.w * 3);
    } else {
      s.stride[0] = aligned(s.w);
      s.stride[1] = s.stride[2] = aligned((s.w + 1) / 2);
      heights[1] = heights[2] = (s.h + 1) / 2;
    }
    std::size_t bytes = 256;
    for (int p = 0; p < 4; ++p) bytes += static_cast<std::size_t>(s.stride[p]) * heights[p];
    if (!scratch || scratch_bytes < bytes) {
      scratch.reset(static_cast<uint8_t*>(av_malloc(bytes)));
      if (!scratch) throw std::bad_alloc();
      scratch_bytes = bytes;
    }
    uint8_t* at = scratch.get();
    for (int p = 0; p < 4; ++p) {
      s.data[p] = s.stride[p] ? at : nullptr;
      at += static_cast<std::size_t>(s.stride[p]) * heights[p];
    }
    sws_scale(ctx.get(), frame->data, frame->linesize, 0, frame->height, s.data, s.stride);
    return s;
  }

  void convert(Image& out, bool native) {
    const Scaled s = scale(sws, AV_PIX_FMT_RGB24, native);
    Image img;
    img.width = s.w;
    img.height = s.h;
    img.data.resize(static_cast<std::size_t>(s.w) * 3 * s.h);
    av_image_copy_plane(img.data.data(), s.w * 3, s.data[0], s.stride[0], s.w * 3, s.h);
    out = info.rotation ? rotate_clockwise(img, info.rotation) : std::move(img);
  }

  void convert(Yuv420& out) {
    const Scaled s = scale(sws_yuv, AV_PIX_FMT_YUV420P, false);
    Yuv420 pic;
    pic.resize(s.w, s.h);
    for (int p = 0; p < 3; ++p)
      av_image_copy_plane(pic.plane(p), pic.plane_width(p), s.data[p], s.stride[p], pic.plane_width(p),
                          pic.plane_height(p));
    out = info.rotation ? rotate_clockwise(pic, info.rotation) : std::move(pic);
  }

  bool next(Frame& out) {
    while (decode_next()) {
      const std::int64_t pts = frame_pts();
      std::int64_t index = display_index(pts);
      ++decoded;
      const double t = static_cast<double>(pts) * av_q2d(tb);
      if (pts >= range_end) {
        av_frame_unref(frame.get());
        finished = true;
        return false;
      }
      // Key frames only, or a range that began with a seek: the frames before were never decoded or counted, so the
      // frame number comes from the time at the average frame rate (exact for constant rates).
      if ((opts.keyframes_only || opts.range_start > 0) && info.frame_rate.valid())
        index = std::max<std::int64_t>(0, std::llround((t - info.start) * info.frame_rate.value()));
      position = pts;
      if (t < latest - 1.0) ++backwards;
      if (!info.frame_rate.valid() && !std::isinf(latest) && t > latest) {  // no rate in the header: the first step
        const AVRational r = av_d2q(1.0 / (t - latest), 100000);
        if (plausible_rate(r)) {
          info.frame_rate = {r.num, r.den};
          frame_seconds = t - latest;
        }
      }
      latest = std::max(latest, t);
#ifdef AV_FRAME_FLAG_KEY
      const bool key = (frame->flags & AV_FRAME_FLAG_KEY) != 0;
#else
      const bool key = frame->key_frame != 0;
#endif
      if (opts.frame_stats) record_stats(index, pts);
      if (pts < drop_before) {
        av_frame_unref(frame.get());
        continue;
      }
      if (opts.sample_fps > 0 && !grid.take(pts)) {
        av_frame_unref(frame.get());
        continue;
      }
      out.ts = {pts, {tb.num, tb.den}};
      out.index = index;
      out.key = key;
      const bool native = opts.native_size_for && opts.native_size_for(out.ts);
      if (opts.yuv420) convert(out.yuv);
      if (!opts.yuv420 || native)
        convert(out.image, native);
      else
        out.image = Image{};
      av_frame_unref(frame.get());
      return true;
    }
    return false;
  }

  // segment::FrameStat of the frame just decoded (shown at `pts`), and the dissolve test of the frame decoded
  // dissolve_half frames before it, now that its window is complete.
  void record_stats(std::int64_t index, std::int64_t pts) {
    const double t = static_cast<double>(pts) * av_q2d(tb);
    Grid g;
    if (!frame_grid(frame.get(), g)) {
      grids.clear();
      grid_stat.clear();
      return;
    }
    segment::FrameStat st;
    st.frame = index;
    st.seconds = t - info.start;
    double sum = 0, sq = 0;
    for (int c = 0; c < kGridCells; ++c) {
      sum += g[static_cast<std::size_t>(c)];
      sq += static_cast<double>(g[static_cast<std::size_t>(c)]) * g[static_cast<std::size_t>(c)];
    }
    const double mean = sum / kGridCells;
    st.luma = static_cast<float>(mean);
    st.spread = static_cast<float>(std::sqrt(std::max(0.0, sq / kGridCells - mean * mean)));
    const std::size_t have = grids.size();
    if (have >= 1) st.diff = grid_diff(g, grids[have - 1]);
    if (have >= 2) st.diff2 = grid_diff(g, grids[have - 2]);
    if (have >= 3) st.diff3 = grid_diff(g, grids[have - 3]);
    const bool in_range = pts >= range_start;
    if (in_range) stats.push_back(st);
    grids.push_back(g);
    grid_stat.push_back(in_range ? static_cast<std::ptrdiff_t>(stats.size()) - 1 : -1);
    const std::size_t window = 2 * static_cast<std::size_t>(dissolve_half) + 1;
    if (grids.size() > window) {
      grids.pop_front();
      grid_stat.pop_front();
    }
    if (grids.size() == window && grid_stat[static_cast<std::size_t>(dissolve_half)] >= 0) {
      const Grid& a = grids.front();
      const Grid& b = grids.back();
      const Grid& m = grids[static_cast<std::size_t>(dissolve_half)];
      float span = 0, mix = 0;
      for (std::size_t i = 0; i < a.size(); ++i) {
        span += std::fabs(b[i] - a[i]);
        mix += std::fabs(m[i] - 0.5f * (a[i] + b[i]));
      }
      auto& centre = stats[static_cast<std::size_t>(grid_stat[static_cast<std::size_t>(dissolve_half)])];
      centre.span = span / static_cast<float>(a.size());
      centre.mix = mix / static_cast<float>(a.size());
    }
  }

  // The next packet into `pkt`: one read ahead by land_before() first, then the demuxer's.
  int read_packet() {
    if (pending.empty()) return av_read_frame(fmt.get(), pkt.get());
    av_packet_move_ref(pkt.get(), pending.front().get());
    pending.pop_front();
    return 0;
  }

  // After a seek: reads up to the video stream's first key packet, which is kept (in `pending`) with what follows
  // it, while the undecodable packets before it are dropped. True when that key frame is shown at or before `ts`.
  // Demuxers without an index (MPEG-TS, MPEG-PS, elementary streams) seek by bytes and timestamps and may land
  // after a key frame and even after `ts`: the caller then seeks further back. A stream that marks no key frames in
  // its first 4096 packets is taken as it is (its packets kept).
  bool land_before(std::int64_t ts) {
    pending.clear();
    std::deque<av::Packet> seen;
    for (int packets = 0; packets < 4096; ++packets) {
      av::Packet p{av_packet_alloc()};
      if (!p) throw std::bad_alloc();
      if (av_read_frame(fmt.get(), p.get()) < 0) return false;  // past the last key frame: go back further
      if (p->stream_index != stream) continue;
      if (p->flags & AV_PKT_FLAG_KEY) {
        const std::int64_t at = p->pts != AV_NOPTS_VALUE ? p->pts : p->dts;
        pending.push_back(std::move(p));
        return at == AV_NOPTS_VALUE || at <= ts;
      }
      seen.push_back(std::move(p));
    }
    pending = std::move(seen);  // no key flags at all: decode what comes, as before
    return true;
  }

  // To the last key frame at or before `ts` (time-base units), with the decoder emptied. Seeks back 1, 2, 4, ...
  // seconds more while the demuxer lands after that key frame (land_before), down to the stream's start.
  void reposition(std::int64_t ts) {
    const std::int64_t second = std::max<std::int64_t>(1, av_rescale_q(1, AVRational{1, 1}, tb));
    const std::int64_t first =
        fmt->streams[stream]->start_time != AV_NOPTS_VALUE ? fmt->streams[stream]->start_time : INT64_MIN;
    for (std::int64_t back = 0;; back = back == 0 ? second : 2 * back) {
      const bool to_start = back > 0 && ((first != INT64_MIN && ts - first <= back) || back > (std::int64_t{1} << 40));
      // The start by its first byte: a timestamp seek to the first timestamp can land just past the first key frame
      // (MPEG-TS searches by bytes and PCR).
      if (to_start)
        to_first_byte();
      else
        av_seek_frame(fmt.get(), stream, ts - back, AVSEEK_FLAG_BACKWARD);
      if (land_before(ts) || to_start) break;
    }
    restart_decoder();
  }

  // No timestamps to seek by: the file's first byte, where pass 1 began.
  void to_first_byte() {
    pending.clear();
    if (av_seek_frame(fmt.get(), stream, 0, AVSEEK_FLAG_BYTE) < 0)
      av_seek_frame(fmt.get(), -1, fmt->start_time != AV_NOPTS_VALUE ? fmt->start_time : 0, AVSEEK_FLAG_BACKWARD);
  }

  // The decoder emptied and the clocks reset after the demuxer moved.
  void restart_decoder() {
    avcodec_flush_buffers(dec.get());
    sent_pts = {};
    grids.clear();
    grid_stat.clear();
    flushing = finished = false;
    last_pts = AV_NOPTS_VALUE;
    position.reset();
    latest = kNoTime;
    max_sent_pts = exact_until = INT64_MIN;
  }

  void seek(std::int64_t target) {
    reposition(target);
    skip_to(target);
  }

  void skip_to(std::int64_t target) {
    drop_before = nonref_until = target;
    grid.start_at(target);
    key_grid.start_at(target);
  }

  // Decoding on from the last frame costs the frames up to the target; a seek costs those from the key frame before
  // it. Without an index (the key frame unknown) going on pays up to 2 s ahead.
  void go_to(std::int64_t target) {
    if (numbered) {  // no timestamps: frames are known by their number from the start, so never seek into the middle
      if (!position || *position >= target) {
        to_first_byte();
        restart_decoder();
      }
      skip_to(target);
      return;
    }
    const std::optional<std::int64_t> key = key_frame_before(target);
    const std::int64_t two_seconds = av_rescale_q(2, AVRational{1, 1}, tb);
    if (position && *position < target && (key ? *key <= *position : target - *position < two_seconds))
      skip_to(target);
    else
      seek(target);
  }

  bool decode_key_frame(std::int64_t want, Frame& out) {
    reposition(want);
    drop_before = nonref_until = kNoPts;
    grid.unstart();
    key_grid.unstart();
    bool found = false;  // the seek lands on its packet or on a key frame before it
    while (read_packet() >= 0) {
      const bool key = pkt->stream_index == stream && (pkt->flags & AV_PKT_FLAG_KEY) && pkt->pts != AV_NOPTS_VALUE;
      if (key && pkt->pts == want) {
        found = true;
        break;
      }
      const bool past = key && pkt->pts > want;
      av_packet_unref(pkt.get());
      if (past) break;
    }
    if (!found) {
      seek(want);
      return false;
    }
    const AVDiscard skip = dec->skip_frame;
    dec->skip_frame = AVDISCARD_DEFAULT;
    bool got = avcodec_send_packet(dec.get(), pkt.get()) >= 0;
    av_packet_unref(pkt.get());
    if (got) {
      avcodec_send_packet(dec.get(), nullptr);  // drain: no waiting for the frames that would follow it
      got = false;
      for (int rf; (rf = receive_frame()) >= 0;) {
        if (rf == 1) continue;  // a hardware frame that could not be copied back
        if (!got && frame_pts() == want) {
          out.ts = {want, {tb.num, tb.den}};
          out.index = -1;
          out.key = true;
          convert(out.image, true);
          got = true;
        }
        av_frame_unref(frame.get());
      }
    }
    avcodec_flush_buffers(dec.get());
    dec->skip_frame = skip;
    last_pts = AV_NOPTS_VALUE;
    if (!got) seek(want);
    return got;
  }

  // The pts of the last key frame at or before `ts` in the container's index; none without an index.
  std::optional<std::int64_t> key_frame_before(std::int64_t ts) const {
    const AVStream* st = fmt->streams[stream];
    const int i = av_index_search_timestamp(const_cast<AVStream*>(st), ts, AVSEEK_FLAG_BACKWARD);
    if (i < 0) return std::nullopt;
    const AVIndexEntry* e = avformat_index_get_entry(const_cast<AVStream*>(st), i);
    if (!e) return std::nullopt;
    return e->timestamp;
  }

  std::int64_t in_stream_time(const Timestamp& t) const {
    return av_rescale_q(t.pts, AVRational{static_cast<int>(t.time_base.num), static_cast<int>(t.time_base.den)}, tb);
  }
};

namespace {
constexpr Named<HwAccel> kHwAccels[] = {{HwAccel::None, "none"}, {HwAccel::Cuda, "cuda"}, {HwAccel::Auto, "auto"}};
}  // namespace

const char* to_string(HwAccel h) {
  return name_in(kHwAccels, h);
}

HwAccel parse_hwaccel(const std::string& name) {
  if (const auto h = value_in(kHwAccels, name)) return *h;
  throw invalid_argument(param("hwaccel") + " must be auto, cuda or none, got '" + name + "'");
}

void set_ffmpeg_verbose(bool verbose) {
  g_verbose = verbose;
  apply_log_level();
}

FFmpegSource::FFmpegSource(const std::string& path, const DecodeOptions& opts)
    : impl_(std::make_unique<Impl>(path, opts)) {}
FFmpegSource::~FFmpegSource() = default;
FFmpegSource::FFmpegSource(FFmpegSource&&) noexcept = default;
FFmpegSource& FFmpegSource::operator=(FFmpegSource&&) noexcept = default;
const VideoInfo& FFmpegSource::info() const {
  return impl_->info;
}
bool FFmpegSource::next(Frame& frame) {
  return impl_->next(frame);
}
std::int64_t FFmpegSource::skipped() const {
  return impl_->skipped;
}
std::int64_t FFmpegSource::decoded() const {
  return impl_->decoded;
}
void FFmpegSource::seek(const Timestamp& t) {
  impl_->seek(impl_->in_stream_time(t));
}
void FFmpegSource::go_to(const Timestamp& t) {
  impl_->go_to(impl_->in_stream_time(t));
}
std::optional<Timestamp> FFmpegSource::position() const {
  if (!impl_->position) return std::nullopt;
  return Timestamp{*impl_->position, impl_->info.time_base};
}

std::int64_t FFmpegSource::backwards() const {
  return impl_->backwards;
}

std::vector<segment::FrameStat> FFmpegSource::take_frame_stats() {
  std::vector<segment::FrameStat> out = std::move(impl_->stats);
  impl_->stats.clear();
  impl_->grids.clear();
  impl_->grid_stat.clear();
  return out;
}

double FFmpegSource::data_seconds() const {
  const Impl& m = *impl_;
  // The later of the last packet's end and the last frame's end (packets of elementary streams carry few timestamps).
  const double frames = std::isinf(m.latest) ? -1 : m.latest + m.frame_seconds;
  const double end = std::max(m.read_until, frames);
  return end < 0 ? -1 : end - m.info.start;
}
bool FFmpegSource::decode_key_frame(std::int64_t pts, Frame& frame) {
  return impl_->decode_key_frame(pts, frame);
}

std::int64_t FFmpegSource::drain() {
  std::int64_t n = 0;
  while (impl_->decode_next()) {
    ++n;
    ++impl_->decoded;
    av_frame_unref(impl_->frame.get());
  }
  return n;
}

}  // namespace cords::decode
