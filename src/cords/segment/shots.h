#pragma once
// Shot segmentation over sampled frames, from their (L2-normalised) embeddings and mean luma:
//   - hard cuts: the change d_t = 1 - <e_t, e_{t-1}> exceeds both an absolute threshold and `ratio` times the
//     median change in a window around t (adapts to busy footage);
//   - fades through black: a run of dark frames (mean luma < dark_luma) separates the shots on either side; the
//     large changes of the fading frames around it (within fade_seconds) are not taken for cuts.
// Shots shorter than min_shot_seconds are merged into the previous one. Cross-dissolves between similar scenes
// can be missed (docs/video.md).
#include <cstdint>
#include <vector>

#include "cords/core/matrix.h"

namespace cords::segment {

struct ShotOptions {
  double min_change = 0.15;        ///< absolute threshold on 1 - cosine between consecutive samples
  double ratio = 3.0;              ///< and this many times the local median change
  int window = 8;                  ///< samples on each side for the local median
  double dark_luma = 24.0;         ///< mean luma (0..255) below which a frame is black (fades)
  double fade_seconds = 1.0;       ///< changes this close to a black frame are the fade itself, not cuts
  double min_shot_seconds = 0.75;  ///< shorter shots merge into the previous one
  double fade_luma_ratio = 0.75;   ///< a frame near a black one and darker than this share of its shot's clean
                                   ///< frames is part of the fade (usable_samples)
};

struct Shot {
  std::int64_t first = 0;  ///< index of its first sampled frame
  std::int64_t last = 0;   ///< inclusive
  double start = 0.0;      ///< seconds of its first sample
  double end = 0.0;        ///< seconds of its last sample
  bool fade_in = false;    ///< it begins after a fade from black
};

/// REQUIRES: embeddings.rows == luma.size() == times.size(); times non-decreasing.
std::vector<Shot> detect_shots(MatrixView embeddings, const std::vector<double>& luma, const std::vector<double>& times,
                               const ShotOptions& opts = {});

/// Which samples may become keyframes: not black (mean luma < dark_luma) and not part of a fade (within fade_seconds
/// of a black frame and darker than fade_luma_ratio times the median luma of its shot's frames away from any black
/// one). Fallback where nothing passes: a shot without a usable sample keeps its non-black ones, so that it can still
/// be represented; black frames are never content. (The summarizer falls back to every sample when fewer than the
/// budget remain.)
std::vector<char> usable_samples(const std::vector<double>& luma, const std::vector<double>& times,
                                 const std::vector<Shot>& shots, const ShotOptions& opts = {});

/// The shot index of every sample (for per-shot selection).
std::vector<std::int64_t> shot_labels(const std::vector<Shot>& shots, std::int64_t n);

}  // namespace cords::segment
