#pragma once
// Per-frame statistics the decoder computes for every frame it decodes (DecodeOptions::frame_stats), from a 32x18
// grid of block means of Y, U and V (each block averaged over 4x4 pixels spread across it; Y in full range 0..255):
// what frame-exact shot detection (segment/transitions.h) works on, without keeping any picture.
#include <cstdint>

namespace cords::segment {

struct FrameStat {
  std::int64_t frame = 0;  ///< display-order frame number
  double seconds = 0;      ///< presentation time, from the video's start
  float diff = -1;   ///< mean |change| of the block means from the previous decoded frame (Y, U, V averaged); -1 first
  float diff2 = -1;  ///< the same against the decoded frame two before (flash test); -1 when none
  float diff3 = -1;  ///< and three before
  float luma = 0;    ///< mean Y, 0..255
  float spread = 0;  ///< standard deviation of the Y block means (near 0: a uniform frame)
  /// Dissolve test with this frame as the centre of a window of 2L+1 decoded frames: `span` = mean |end - start|,
  /// `mix` = mean |centre - (start + end) / 2| (near 0 inside a cross-dissolve or fade, about span/2 at a cut, large
  /// for motion). -1 when the window does not fit.
  float span = -1, mix = -1;
};

}  // namespace cords::segment
