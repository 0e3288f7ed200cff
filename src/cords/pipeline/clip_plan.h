#pragma once
// The summary clip's plan: the stretches of video around the keyframes, merged where they overlap.
#include <cstdint>
#include <utility>
#include <vector>

#include "cords/pipeline/summarizer.h"

namespace cords::pipeline {

// The stretches [t - before, t + after] around the keyframes (sorted by time), clamped at 0 when `before` > 0, with
// overlapping stretches merged so that each part of the video is decoded (and written) once; `keys` lists the
// keyframes each holds.
struct Window {
  std::int64_t start, end;  ///< pts in the keyframes' time base (the stream's): the frames shown from start to end
  std::vector<std::size_t> keys;
  Rational time_base;
  bool clip = true;  ///< its frames go into the clip (false: only its keyframes' images are taken)
  Timestamp first() const { return {start, time_base}; }
  double start_seconds() const { return Timestamp{start, time_base}.seconds(); }
  double end_seconds() const { return Timestamp{end, time_base}.seconds(); }
};

/// With `shots` (frame-exact shot spans, seconds in stream time), a keyframe's stretch stays inside its shot: it is
/// moved, then shortened, rather than cross a cut (the frame that begins the next shot is left out). Seconds (the
/// durations and the shots' bounds) become pts once, here; windows are then compared with frames' pts exactly.
/// Keyframes whose Keyframe::in_clip() is false get a window of their frame alone, not in the clip (`only_clip`:
/// none at all).
std::vector<Window> merged_windows(const std::vector<Keyframe>& keyframes, double before_s, double after_s,
                                   const std::vector<std::pair<double, double>>* shots = nullptr,
                                   bool only_clip = false);

/// The clip's length and windows (docs/video.md, "Summary clip"): the target length (automatic: 15% of the
/// `video_s` seconds summarized, at least 3 s and at most 60 s, never more than half the video; or --clip-length),
/// the window length (at least clip_seconds, longer when fewer keyframes than the target needs), and which
/// keyframes' windows are in it: the most representative (Keyframe::represents, then gain), one per shot before a
/// second of any shot, shown in time order.
using ClipChoice = SummaryResult::ClipPlan;
ClipChoice choose_clip(std::vector<Keyframe>& keyframes, double video_s, const ClipOptions& o);

}  // namespace cords::pipeline
