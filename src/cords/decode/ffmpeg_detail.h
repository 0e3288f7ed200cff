#pragma once
// FFmpegSource's own helpers (not part of the library's interface): the exact sampling grid, what a stream says
// (rotation, frame rate, still or moving pictures), why a file did not open, the block grid of the frame statistics
// and NVDEC's set-up. Shared by ffmpeg_source.cpp (opening, decoding, converting) and ffmpeg_seek.cpp (seeking).
extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/cpu.h>
#include <libavutil/display.h>
#include <libavutil/hwcontext.h>
#include <libavutil/imgutils.h>
#include <libavutil/pixdesc.h>
}

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <limits>
#include <string>

#include "cords/core/timestamp.h"

namespace cords::decode {

// "No time yet" for the decoder's clocks in seconds (no frame decoded yet): every frame time is after it, and
// std::isinf tells it apart.
inline constexpr double kNoTime = -std::numeric_limits<double>::infinity();

// "No target" for the clocks in pts (no seek target, nothing to skip to): every pts is at or after it.
inline constexpr std::int64_t kNoPts = std::numeric_limits<std::int64_t>::min();

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

[[noreturn]] void unreadable(const std::string& path, const std::string& why);

// Clockwise degrees that turn decoded frames upright, from the stream's display matrix (0 when absent).
int stream_rotation(const AVStream* st);

extern std::atomic<bool> g_verbose;

void apply_log_level();

// A plausible frame rate: at most 1000 frames a second (time bases such as 1/90000 are not frame rates).
bool plausible_rate(AVRational r);

// The stream's frame rate: FFmpeg's guess, else its average rate, else its base rate (r_frame_rate), else 0/0, which
// the timestamps of the first decoded frames then replace (next()). The guess alone is 0/0 for AVI files opened
// without avformat_find_stream_info (r_frame_rate not known yet): their clips then played at 25 fps.
AVRational stream_frame_rate(AVFormatContext* fmt, AVStream* st);

// Why a regular file did not open, in the user's terms.
std::string open_failure(const std::string& path, int err);

bool is_image_container(const AVFormatContext* fmt);

// Whether an image demuxer's input holds more than one picture (an MJPEG stream, a series of PNGs): a video, read
// from its start again afterwards. A single picture is a still image.
bool moving_pictures(AVFormatContext* fmt);

// The 32x18 grid of block means (Y, U, V; Y in full range) that segment::FrameStat is computed from. Each block is
// averaged over 4x4 pixels spread across it, which keeps film grain out of the differences at ~10k reads a plane.
inline constexpr int kGridW = 32, kGridH = 18, kGridCells = kGridW * kGridH;

using Grid = std::array<float, 3 * kGridCells>;

bool frame_grid(const AVFrame* f, Grid& g);

float grid_diff(const Grid& a, const Grid& b);

// NVDEC through FFmpeg's CUDA hwaccel for `dec`, when the driver, the FFmpeg build and the codec allow it: returns
// "" and sets the decoder up, or why not. The driver's library is looked for first, so machines without one are
// not asked (FFmpeg would log its failure to load it).
AVPixelFormat pick_cuda_format(AVCodecContext*, const AVPixelFormat* offered);

std::string open_cuda_decoder(AVCodecContext* dec, const AVCodec* codec);

}  // namespace cords::decode
