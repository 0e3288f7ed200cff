#pragma once
// Pass 1 of a summary: the sampled frames of the video, decoded and embedded (docs/video.md, "Decode" and "Embed"),
// by one decoder or by several over ranges of a long input, with what the decoder saw of the input.
#include <cstdint>
#include <vector>

#include "cords/core/timestamp.h"
#include "cords/decode/video_source.h"
#include "cords/embed/embedder.h"
#include "cords/pipeline/summarizer.h"
#include "cords/segment/frame_stats.h"

namespace cords::pipeline {

/// The sampled frames: their features, times, frame numbers and picture statistics, in time order.
/// Which samples become seek-bar thumbnails: the first of every `every` seconds, scaled to width x height.
struct ThumbRule {
  double every = 0;  ///< 0: none
  int width = 160, height = 90;
};

struct Samples {
  std::vector<float> rows;  // n x dim
  std::vector<float> hist;  // n x histogram dim, for shot detection when rows are not histograms
  std::vector<Timestamp> ts;
  std::vector<std::int64_t> frame;
  std::vector<double> luma, seconds;
  std::vector<double> correlation, sharpness, spread;  // embed::picture_quality of each sample
  std::vector<std::uint8_t> tiny;  // 16x9 grey thumbnail of each sample (kTiny bytes): near-duplicates
  std::vector<Thumb> thumbs;       // seek-bar thumbnails (ThumbRule), in time order, one per interval at most
  std::int64_t n() const { return static_cast<std::int64_t>(ts.size()); }
  // Appends the samples of a later stretch of the video.
  void append(const Samples& o) {
    const auto add = [](auto& to, const auto& from) { to.insert(to.end(), from.begin(), from.end()); };
    add(rows, o.rows);
    add(hist, o.hist);
    add(ts, o.ts);
    add(frame, o.frame);
    add(luma, o.luma);
    add(seconds, o.seconds);
    add(correlation, o.correlation);
    add(sharpness, o.sharpness);
    add(spread, o.spread);
    add(tiny, o.tiny);
    for (const Thumb& th : o.thumbs)  // (a later stretch may start inside the last interval of this one)
      if (thumbs.empty() || th.seconds > thumbs.back().seconds) thumbs.push_back(th);
  }
};

/// Seconds of one frame at the video's frame rate (25 fps when it is unknown, as the clip writer assumes).
inline double frame_seconds(const decode::VideoInfo& info) {
  return info.frame_rate.valid() ? 1.0 / info.frame_rate.value() : 0.04;
}

/// Seconds summarized: the video's duration, or the stretch --start/--end give (0 when the duration is unknown).
double stretch_seconds(const SamplingOptions& cfg, const decode::VideoInfo& info);
/// --fraction in fast mode: keyframes as a share of the frames a full run would sample over `seconds`.
double fraction_keyframes(const SamplingOptions& cfg, const select::Budget& budget, double seconds);
/// Fast mode on long inputs: the rate key frames are sampled at to keep the candidates the budget needs.
double candidate_fps(const SamplingOptions& cfg, const select::Budget& budget, double seconds);

/// Pass 1: samples decoded and embedded, res.info and the decoder's report filled in (res.warnings: what degraded the
/// input); `frame_stats` gets every decoded frame's statistics for frame-exact shots. Throws when there is nothing
/// to summarize.
Samples sample_video(const SamplingOptions& cfg, const KeyframeOptions& keys, const ShotStageOptions& shots,
                     embed::Embedder& emb, SummaryResult& res, const ProgressFn& progress,
                     std::vector<segment::FrameStat>& frame_stats);

}  // namespace cords::pipeline
