#pragma once
// Optimizers maximise a SetFunction under a cardinality budget (or a cost budget, cost_aware_greedy). They see
// only the SetFunction interface. All are deterministic for a given seed. Ties in gain go to the lowest index, so
// lazy greedy returns exactly what naive greedy returns. Laziness needs submodularity (stale gains are upper
// bounds only then): for a function whose traits do not claim it, lazy and lazier-than-lazy evaluate every
// candidate, as naive and stochastic greedy do.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cords/core/range.h"
#include "cords/select/set_function.h"

namespace cords::select {

/// The stochastic optimizers' epsilon: in (0, 1).
inline constexpr Range kEpsilonRange{0, 1, true, true, "stochastic optimizers"};

/// How an optimizer runs; how many elements it selects is its own argument (maximize's k).
struct GreedyOptions {
  bool stop_if_zero_gain = false;      ///< stop before adding an element whose gain is <= 0
  bool stop_if_negative_gain = false;  ///< stop before adding an element whose gain is < 0
  double epsilon = 0.01;   ///< stochastic / lazier-than-lazy: sample (n/k) ln(1/epsilon) per step, kEpsilonRange
  std::uint64_t seed = 0;  ///< stochastic, lazier-than-lazy and random
  /// Called after each added element with (selected so far, budget); may be empty. Runs on the caller's thread.
  std::function<void(Index, Index)> progress;
};

struct Selection {
  std::vector<Index> selected;  ///< in the order chosen
  std::vector<double> gains;    ///< gains[t] = f(first t+1) - f(first t)
  double objective = 0.0;       ///< f(selected), from the function's memo (sum of gains)
  Index evaluations = 0;        ///< gain evaluations performed
};

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  virtual std::string name() const = 0;
  /// Resets f, then selects up to k elements (k in [1, n], e.g. from Budget::resolve). The stopping rules can end it
  /// early; a gain of -inf (e.g. a singular log-determinant) always ends it. Throws Error{InvalidArgument} for a k
  /// outside [1, n] or a bad epsilon.
  virtual Selection maximize(SetFunction& f, Index k, const GreedyOptions& opts) const = 0;
};

std::unique_ptr<Optimizer> naive_greedy();
std::unique_ptr<Optimizer> lazy_greedy();
std::unique_ptr<Optimizer> stochastic_greedy();
std::unique_ptr<Optimizer> lazier_than_lazy_greedy();
std::unique_ptr<Optimizer> random_selection();

/// Cost-aware greedy (budget in cost units): lazily picks the best gain/cost ratio among the elements that still
/// fit, then returns the better of that set and the best affordable singleton ((1 - 1/sqrt(e)) guarantee for
/// monotone submodular f). costs: n values > 0 (checked). At most max_count elements (0: no cap).
Selection cost_aware_greedy(SetFunction& f, const std::vector<double>& costs, double cost_budget, Index max_count,
                            const GreedyOptions& opts);

}  // namespace cords::select
