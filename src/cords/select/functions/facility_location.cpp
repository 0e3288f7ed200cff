#include <algorithm>

#include "cords/core/check.h"
#include "cords/core/error.h"
#include "cords/select/functions.h"

namespace cords::select {
namespace {

void require_nonnegative(float min_value, const char* fn) {
  if (min_value < 0.0f)
    throw invalid_argument(std::string(fn) + " needs non-negative similarities, but the kernel has " +
                           std::to_string(min_value) + "; use the cosine, euclidean or rbf metric");
}

// What the dense and the sparse facility location share. Memo: m_j = max_{i in S} s_ij (0 for the empty set), j over
// the represented elements (the ground set, or a represented set: a dense kernel's columns). gain(i) = sum_j
// max(0, s_ij - m_j). Derived supplies covered(i, f): f(j, s_ij) for every j that i covers (s_ij > 0 possible).
template <class Derived, class Kernel>
class FacilityLocationBase : public SetFunction {
 public:
  std::string name() const override { return "facility-location"; }
  Index size() const override { return k_->size(); }
  FunctionTraits traits() const override { return {true, true}; }

  double evaluate(const std::vector<Index>& subset) const override {
    std::vector<float> best(m_.size(), 0.0f);
    for (Index i : subset)
      self().covered(i, [&](Index j, float s) {
        best[static_cast<std::size_t>(j)] = std::max(best[static_cast<std::size_t>(j)], s);
      });
    double total = 0.0;
    for (float b : best) total += b;
    return total;
  }

 protected:
  FacilityLocationBase(std::shared_ptr<const Kernel> k, Index represented)
      : SetFunction(k->size()), k_(std::move(k)), m_(static_cast<std::size_t>(represented), 0.0f) {
    require_nonnegative(k_->min_value(), "facility-location");
  }
  void clear() override { std::fill(m_.begin(), m_.end(), 0.0f); }
  const Derived& self() const { return static_cast<const Derived&>(*this); }

  std::shared_ptr<const Kernel> k_;
  std::vector<float> m_;
};

class DenseFacilityLocation final : public FacilityLocationBase<DenseFacilityLocation, DenseKernel> {
  static constexpr Index kBlock = 1024;

 public:
  explicit DenseFacilityLocation(std::shared_ptr<const DenseKernel> k) : FacilityLocationBase(k, k->cols()) {}

  template <class F>
  void covered(Index i, F&& f) const {
    const float* r = k_->row(i);
    for (Index j = 0, n = k_->cols(); j < n; ++j) f(j, r[j]);
  }

  double gain(Index i) const override {
    const float* r = k_->row(i);
    const float* m = m_.data();
    const Index n = k_->cols();
    // Float partial sums over blocks (vector-width float adds keep this memory-bound), blocks summed in double.
    double acc = 0.0;
    for (Index j0 = 0; j0 < n; j0 += kBlock) {
      const Index j1 = std::min(n, j0 + kBlock);
      float part = 0.0f;
#pragma omp simd reduction(+ : part)
      for (Index j = j0; j < j1; ++j) part += std::max(0.0f, r[j] - m[j]);
      acc += part;
    }
    return acc;
  }

 protected:
  void update(Index i) override {
    const float* r = k_->row(i);
    const Index n = k_->cols();
    float* m = m_.data();
#pragma omp simd
    for (Index j = 0; j < n; ++j) m[j] = std::max(m[j], r[j]);
  }
};

class SparseFacilityLocation final : public FacilityLocationBase<SparseFacilityLocation, SparseKernel> {
 public:
  explicit SparseFacilityLocation(std::shared_ptr<const SparseKernel> k) : FacilityLocationBase(k, k->size()) {}

  template <class F>
  void covered(Index i, F&& f) const {
    for (auto e = k_->covered_begin(i); e != k_->covered_end(i); ++e) f(e->j, e->s);
  }

  double gain(Index i) const override {
    double acc = 0.0;
    covered(i,
            [&](Index j, float s) { acc += static_cast<double>(std::max(0.0f, s - m_[static_cast<std::size_t>(j)])); });
    return acc;
  }

 protected:
  void update(Index i) override {
    covered(i,
            [&](Index j, float s) { m_[static_cast<std::size_t>(j)] = std::max(m_[static_cast<std::size_t>(j)], s); });
  }
};

}  // namespace

std::unique_ptr<SetFunction> facility_location(std::shared_ptr<const DenseKernel> k) {
  return std::make_unique<DenseFacilityLocation>(std::move(k));
}
std::unique_ptr<SetFunction> facility_location(std::shared_ptr<const SparseKernel> k) {
  return std::make_unique<SparseFacilityLocation>(std::move(k));
}

}  // namespace cords::select
