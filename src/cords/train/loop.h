#pragma once
// What the trainer's epoch loop carries (docs/architecture.md, "Training"): the state that passes from one epoch to
// the next (and into a checkpoint), the adaptive schedule, and an epoch's plan as a strategy makes it.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cords/core/rng.h"
#include "cords/train/strategies.h"

namespace cords::train {

struct Eval {
  double loss = 0, accuracy = 0;
};

/// What the epoch loop carries from one epoch to the next (with the model, the optimizer and the strategy's own
/// state): what a checkpoint saves.
struct LoopState {
  LoopState(std::uint64_t seed, std::int64_t n)
      : order_rng(seed + 2), prune_rng(seed + 3), covered(static_cast<std::size_t>(n), 0) {}
  int next_epoch = 0;  ///< epochs done
  Subset current;
  Rng order_rng, prune_rng;
  std::vector<char> covered;  ///< 1: trained on at least once
  nlohmann::json epochs = nlohmann::json::array();
  double train_time = 0, selection_time = 0;
  int selections = 0;
  Eval val, test;
};

/// The epoch schedule of an adaptive strategy (CORDS': every R epochs, warm start kappa).
struct Schedule {
  bool adaptive = false;
  int T = 0, R = 1, select_after = 0, warmup = 0;
  int first = 0;  ///< the first epoch that selects (>= T: none does)
  /// The one rule of the adaptive schedule: epoch e (0-based) reselects. CORDS: every R epochs from the third on,
  /// except in the warm start (full data for `warmup` epochs, the rest of the first kappa T skipped).
  bool selects_at(int e) const {
    return adaptive && !(warmup < e && e < select_after) && e >= warmup && e % R == 0 && e > 1;
  }
};

/// An epoch's data and its selection time.
struct EpochPlan {
  std::string phase;            ///< full | warm-full | skipped | subset | selection
  const Subset* use = nullptr;  ///< none: a skipped warm-start epoch
  double selection_s = 0;
};

}  // namespace cords::train
