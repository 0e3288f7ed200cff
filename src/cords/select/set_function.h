#pragma once
// The set-function interface that every optimizer sees. A function is defined on the ground set {0..n-1} and
// keeps memoized state for a current set S, so that gain(i) = f(S + i) - f(S) costs far less than two
// evaluations. evaluate(subset) computes f from scratch and is the test oracle.
//
// Thread safety: const methods (gain, gains, evaluate) may run concurrently; add/reset need exclusive access.
#include <memory>
#include <string>
#include <vector>

#include "cords/core/matrix.h"

namespace cords::select {

/// Properties a function claims; the property tests hold each claim.
struct FunctionTraits {
  bool monotone = true;    ///< f(S + i) >= f(S) for all S, i
  bool submodular = true;  ///< gains never increase as S grows
};

class SetFunction {
 public:
  virtual ~SetFunction() = default;

  virtual std::string name() const = 0;
  /// Ground-set size n.
  virtual Index size() const = 0;
  virtual FunctionTraits traits() const = 0;

  /// f(subset) from scratch, independent of the memoized state. REQUIRES: distinct indices in [0, n).
  virtual double evaluate(const std::vector<Index>& subset) const = 0;
  /// f(S + i) - f(S) for the current set S. REQUIRES: 0 <= i < n and i not in S.
  virtual double gain(Index i) const = 0;
  /// gains for m candidates at once (parallel over candidates by default: large lists in dynamic chunks, small
  /// ones - lazy greedy's refresh batches - one candidate per thread when m x n >= kParallelGainWork).
  virtual void gains(const Index* candidates, Index m, double* out) const;
  static constexpr Index kParallelGainWork = 1 << 15;

  /// Adds i to S and updates the memoized state. REQUIRES: 0 <= i < n, i not in S (checked).
  void add(Index i);
  /// Empties S.
  void reset();
  /// The current set, in insertion order.
  const std::vector<Index>& selected() const { return selected_; }
  bool contains(Index i) const { return in_set_[static_cast<std::size_t>(i)] != 0; }
  /// f(S), accumulated from the gains of the adds.
  double value() const { return value_; }

 protected:
  explicit SetFunction(Index n) : in_set_(static_cast<std::size_t>(n), 0) {}
  /// Update the memo for adding i (i not yet marked in S).
  virtual void update(Index i) = 0;
  /// Reset the memo to the empty set.
  virtual void clear() = 0;
  std::size_t set_size() const { return selected_.size(); }

 private:
  std::vector<Index> selected_;
  std::vector<char> in_set_;
  double value_ = 0.0;
};

}  // namespace cords::select
