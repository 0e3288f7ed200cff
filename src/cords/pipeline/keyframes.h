#pragma once
// Keyframe planning (docs/video.md, "Keyframes"): which samples may be keyframes, how many, the selection over them
// (a set function or a baseline), every shot covered, near-duplicates replaced; the keyframes' image names.
#include <cstdint>
#include <string>
#include <vector>

#include "cords/pipeline/sampling.h"
#include "cords/pipeline/summarizer.h"
#include "cords/segment/transitions.h"

namespace cords::pipeline {

/// --selector: a set function of select's registry (or a mixture of them), or one of these baselines.
// --selector: a set function of select's registry (or a mixture of them), or one of these baselines.
enum class Baseline { None, Uniform, Random };
struct BaselineInfo {
  const char* name;
  Baseline kind;
};
inline const std::vector<BaselineInfo>& baselines() {
  static const std::vector<BaselineInfo> b = {{"uniform", Baseline::Uniform}, {"random", Baseline::Random}};
  return b;
}
inline Baseline baseline_of(const std::string& selector) {
  for (const auto& b : baselines())
    if (selector == b.name) return b.kind;
  return Baseline::None;
}

/// Two keyframes are near-duplicates (a repeat) when their 16x9 grey thumbnails differ by less than kNearDuplicate
/// (of 255) on average and nowhere by much: at most kRepeatCells of the 144 cells differ by kRepeatCellChange or
/// more. A whole-frame mean alone called a fixed camera's different passers-by repeats (vtest.avi: 4 to 11 cells of
/// its keyframes differ by 20 or more, 3 already for frames 0.5 s apart; noise and compression change none).
constexpr double kNearDuplicate = 6.0;
constexpr int kRepeatCells = 2;
constexpr int kRepeatCellChange = 20;

/// What keyframe planning gives: the chosen samples (sorted by time) with their gains, the keyframes written from
/// them, the samples left out as candidates, and the repeats no distinct candidate could replace.
struct KeyframePlan {
  std::vector<std::int64_t> chosen;
  std::vector<double> gains;
  double objective = 0;
  std::int64_t excluded = 0;
  std::int64_t repeats = 0;
  std::vector<std::int64_t> represents;  ///< per chosen sample: the samples nearest to it (Keyframe::represents)
  std::int64_t dropped = 0;              ///< automatic budget: repeats left out (it stops at the distinct content)
};

/// The keyframes of the samples, given the shots found on them (res.shots, res.budget_rule is set).
KeyframePlan plan_keyframes(const KeyframeOptions& cfg, const SamplingOptions& sampling, const ShotStageOptions& shots,
                            const Samples& s, int dim, const segment::Transitions& tr,
                            const std::vector<std::int64_t>& shot_of, SummaryResult& res);

/// A keyframe's image name: keyframes/MM-SS.mmm_fN.jpg.
std::string keyframe_name(double seconds, std::int64_t frame);

}  // namespace cords::pipeline
