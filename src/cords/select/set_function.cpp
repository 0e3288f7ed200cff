#include "cords/select/set_function.h"

#include "cords/core/check.h"

namespace cords::select {

void SetFunction::gains(const Index* candidates, Index m, double* out) const {
  // Long lists in chunks of 16; a lazy-greedy refresh batch (a few candidates, each a long kernel row) one
  // candidate per thread; anything smaller on the calling thread.
  const bool long_list = m > 64, batch = m > 1 && m * size() >= kParallelGainWork;
  const int chunk = long_list ? 16 : 1;
#pragma omp parallel for schedule(dynamic, chunk) if (long_list || batch)
  for (Index t = 0; t < m; ++t) out[t] = gain(candidates[t]);
}

void SetFunction::add(Index i) {
  CORDS_CHECK(i >= 0 && i < size(), "index " << i << " out of range [0, " << size() << ")");
  CORDS_CHECK(!contains(i), "index " << i << " is already in the set");
  const double g = gain(i);
  update(i);
  in_set_[static_cast<std::size_t>(i)] = 1;
  selected_.push_back(i);
  value_ += g;
}

void SetFunction::reset() {
  for (Index i : selected_) in_set_[static_cast<std::size_t>(i)] = 0;
  selected_.clear();
  value_ = 0.0;
  clear();
}

}  // namespace cords::select
