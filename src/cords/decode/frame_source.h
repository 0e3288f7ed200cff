#pragma once
// FrameSource: the one seam where the summary gets its frames (docs/architecture.md). The pipeline makes every
// decoder through a FrameSourceFactory (SummarizeConfig::open_source; by default open_ffmpeg), so the stages' rules
// can be tested on in-memory frames without FFmpeg. FFmpegSource (ffmpeg_source.h) is the real one.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cords/decode/video_source.h"
#include "cords/segment/frame_stats.h"

namespace cords::decode {

class FrameSource {
 public:
  virtual ~FrameSource() = default;
  FrameSource() = default;
  FrameSource(const FrameSource&) = delete;
  FrameSource& operator=(const FrameSource&) = delete;
  FrameSource(FrameSource&&) = default;
  FrameSource& operator=(FrameSource&&) = default;

  /// The stream's facts (duration, rate, time base, size, sound).
  virtual const VideoInfo& info() const = 0;
  /// Next sampled frame (DecodeOptions::sample_fps, range, size); false at the end.
  virtual bool next(Frame& frame) = 0;
  /// Corrupt packets or frames skipped so far.
  virtual std::int64_t skipped() const = 0;
  /// Frames decoded so far, sampled or not.
  virtual std::int64_t decoded() const = 0;
  /// Repositions so that next() gives the first frame at or after `t` (sampling restarts at `t`).
  virtual void seek(const Timestamp& t) = 0;
  /// Reaches `t` as seek() does, decoding on when that is cheaper.
  virtual void go_to(const Timestamp& t) = 0;
  /// Time of the last frame decoded; none before the first and after a seek.
  virtual std::optional<Timestamp> position() const = 0;
  /// Seconds of video data read so far (-1 before any).
  virtual double data_seconds() const = 0;
  /// Frames whose time went back by more than a second.
  virtual std::int64_t backwards() const = 0;
  /// Just the key frame at `pts`, at full size; false when there is none.
  virtual bool decode_key_frame(std::int64_t pts, Frame& frame) = 0;
  /// With DecodeOptions::frame_stats: the statistics of the frames decoded since the last call, in decode order.
  virtual std::vector<segment::FrameStat> take_frame_stats() = 0;
  /// Decodes to the end without converting; returns the frames decoded.
  virtual std::int64_t drain() = 0;
};

/// How the pipeline opens a video: throws Error{InputUnreadable} when it cannot.
using FrameSourceFactory =
    std::function<std::unique_ptr<FrameSource>(const std::string& path, const DecodeOptions& opts)>;

/// The real one: an FFmpegSource.
std::unique_ptr<FrameSource> open_ffmpeg(const std::string& path, const DecodeOptions& opts);

}  // namespace cords::decode
