#pragma once
// Frame-exact shot boundaries from the decoder's per-frame statistics (segment/frame_stats.h):
//   - hard cuts, adaptively: a frame's change from the one before is at least `threshold` times the mean change of
//     the `window` frames on either side (as PySceneDetect's AdaptiveDetector) and at least `min_change`; a change
//     that returns within three frames to what came before (a flash, a glitch) is not a cut;
//   - fades through black or white: runs of near-uniform frames (Y spread < uniform_spread) with mean luma below
//     dark_luma or above bright_luma; the fade is the run plus the frames before and after it that move steadily
//     towards it (at most fade_seconds); the boundary is the middle of the run;
//   - dissolves: frames whose dissolve window is linear (mix <= dissolve_linearity x span) with span >= min_change,
//     over at least three consecutive decoded frames, whose span is dissolve_contrast times the spans a second before
//     and after (steady motion can be linear too, but changes as much there); the boundary is the middle of that
//     stretch.
// Boundaries closer than min_shot_seconds to the previous one are dropped. Transitions (fades and dissolves, and
// the frames a flash touches) are spans whose frames should not be keyframes.
#include <cstdint>
#include <string>
#include <vector>

#include "cords/segment/frame_stats.h"

namespace cords::segment {

struct TransitionOptions {
  double threshold = 3.0;           ///< adaptive ratio for hard cuts (--shot-threshold)
  double min_change = 8.0;          ///< mean |block change| (0..255) a cut or dissolve needs at least
  int window = 2;                   ///< frames on either side for the adaptive mean
  double min_shot_seconds = 0.6;    ///< shortest shot (--min-shot-length)
  double dark_luma = 24.0;          ///< a uniform frame darker than this is black
  double bright_luma = 235.0;       ///< a uniform frame brighter than this is white
  double uniform_spread = 12.0;     ///< Y spread (std of block means) below which a frame is uniform
  double fade_seconds = 3.0;        ///< longest fade on either side of a black or white run
  double dissolve_linearity = 0.3;  ///< mix / span at most this inside a dissolve
  double dissolve_contrast = 2.0;   ///< and its span is this many times the spans a second before and after
};

enum class TransitionKind { Cut, Fade, Dissolve };
const char* to_string(TransitionKind k);  ///< "cut", "fade", "dissolve"

struct Boundary {
  std::int64_t frame = 0;  ///< the first frame of the new shot
  double seconds = 0;      ///< its presentation time from the video's start
  TransitionKind kind = TransitionKind::Cut;
};

struct Span {  ///< frames [first, last] (inclusive), seconds [start, end]
  std::int64_t first = 0, last = 0;
  double start = 0, end = 0;
  TransitionKind kind = TransitionKind::Fade;
};

struct Transitions {
  std::vector<Boundary> boundaries;  ///< sorted by frame
  std::vector<Span> spans;           ///< fades and dissolves (and black/white runs at the ends), sorted
  /// Whether frame `f` lies inside one of the spans.
  bool in_transition(std::int64_t f) const;
};

/// REQUIRES: stats in display order (as the decoder returns them).
Transitions detect_transitions(const std::vector<FrameStat>& stats, const TransitionOptions& opts = {});

}  // namespace cords::segment
