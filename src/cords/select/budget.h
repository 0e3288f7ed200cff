#pragma once
// How many elements a selection keeps: a count, a share of the elements, or automatic (the caller's own rule, e.g.
// the video summarizer's auto_budget). A Budget is checked once, when it is made (count() and fraction() refuse bad
// values), and turned into a count once, by resolve(); nothing else tests a budget.
#include <string>

#include "cords/core/matrix.h"

namespace cords::select {

class Budget {
 public:
  enum class Kind { Automatic, Count, Fraction };

  /// Automatic: the caller decides (run_selection refuses it; cost-aware selection then has no count cap).
  Budget() = default;
  /// Exactly k elements. Throws Error{InvalidArgument} unless k >= 1.
  static Budget count(Index k);
  /// ceil(share * n) elements, at least 1. Throws Error{InvalidArgument} unless share is in (0, 1].
  static Budget fraction(double share);

  Kind kind() const { return kind_; }
  bool automatic() const { return kind_ == Kind::Automatic; }
  Index k() const { return k_; }           ///< the count (Kind::Count), else 0
  double share() const { return share_; }  ///< the share (Kind::Fraction), else 0
  /// "budget", "fraction" or "auto": how the count is set (the manifests' budget_rule).
  std::string rule() const;

  /// The count for n elements (`items` names them in the message). Throws Error{InvalidArgument} when it is
  /// automatic or the count exceeds n.
  Index resolve(Index n, const std::string& items = "elements") const;
  /// Cost-aware selection's count cap for n elements: a count capped at n, a fraction resolved, 0 (none) when
  /// automatic.
  Index cap(Index n) const;

 private:
  Kind kind_ = Kind::Automatic;
  Index k_ = 0;
  double share_ = 0.0;
};

/// ceil(share * base), at least 1: a fraction of a count that may be fractional (e.g. seconds x frames per second).
Index share_of(double share, double base);

}  // namespace cords::select
