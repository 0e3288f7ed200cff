#pragma once
// FFmpegSource: decodes a video file with libavformat/libavcodec (frame threading), keeps frames at a sampling
// rate using their exact pts, and converts only the kept frames with swscale (scaled first, then RGB).
// Move-only; every FFmpeg object is owned through an RAII handle. Not thread-safe.
#include <memory>
#include <optional>
#include <vector>

#include "cords/decode/frame_source.h"

namespace cords::decode {

class FFmpegSource final : public FrameSource {
 public:
  /// Opens `path`. Throws Error{InputUnreadable} naming the file: missing, a directory, empty, not a media
  /// file, no video stream (e.g. audio only), or no decoder for its codec.
  FFmpegSource(const std::string& path, const DecodeOptions& opts);
  ~FFmpegSource() override;
  FFmpegSource(FFmpegSource&&) noexcept;
  FFmpegSource& operator=(FFmpegSource&&) noexcept;

  const VideoInfo& info() const override;
  /// Next sampled frame; false at the end of the stream. Throws cords::Error on a fatal read error.
  bool next(Frame& frame) override;
  /// Corrupt packets or frames skipped so far (decoding goes on after them).
  std::int64_t skipped() const override;
  /// Frames the decoder produced so far, sampled or not (packets never sent to it are not counted).
  std::int64_t decoded() const override;

  /// Repositions to the last key frame at or before `t`, so that next() continues from there; frames shown before
  /// `t` are then dropped (decoded without their non-reference frames). Sampling restarts at `t`.
  void seek(const Timestamp& t) override;
  /// Reaches `t` as seek() does, the cheaper way: decoding on from the last frame decoded when that is before `t`
  /// and no earlier than the key frame before `t` (2 s ahead at most when the container has no index), else a seek.
  void go_to(const Timestamp& t) override;
  /// Time of the last frame decoded; none before the first and after a seek.
  std::optional<Timestamp> position() const override;
  /// Seconds of video data read so far, from the stream's start to the end of its last packet (-1 before any).
  /// After reading to the end, less than info().duration means the file ends early: truncated, or still written.
  double data_seconds() const override;
  /// Frames decoded whose time lies more than a second before an earlier frame's (timestamps that restart, as in
  /// recordings joined byte for byte): sampling by time passes over them, so the caller reports it.
  std::int64_t backwards() const override;
  /// Decodes just the key frame whose pts is `pts` (fast mode's keyframes are key frames): seeks to it, sends
  /// that one packet and drains the decoder, so nothing after it is decoded, and converts it at full size. Returns
  /// false, leaving the source repositioned as after seek(), when no key packet has that pts.
  bool decode_key_frame(std::int64_t pts, Frame& frame) override;

  /// With DecodeOptions::frame_stats: the statistics of the frames decoded since the last call (those of a range
  /// source only inside its range), in decode order. Frames in pixel formats without 8-16 bit planar or packed YUV or
  /// RGB components (palettes, bitstreams) have none.
  std::vector<segment::FrameStat> take_frame_stats() override;

  /// Decodes to the end without converting any frame; returns the number of frames decoded.
  std::int64_t drain() override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// FFmpeg's own log lines (corrupt data, deprecated formats) are off by default: the library reports what matters
/// through errors and FFmpegSource::skipped(). verbose = true shows FFmpeg's warnings and errors on stderr.
void set_ffmpeg_verbose(bool verbose);

}  // namespace cords::decode
