#include <algorithm>

#include "cords/core/check.h"
#include "cords/core/error.h"
#include "cords/select/functions.h"

namespace cords::select {
namespace {

// Memo: c_j = sum_{i in S} s_ij. gain(i) = sum_j min(s_ij, max(0, cap_j - c_j)), cap_j = alpha sum_i s_ij.
class SaturatedCoverage final : public SetFunction {
 public:
  SaturatedCoverage(std::shared_ptr<const DenseKernel> k, double alpha)
      : SetFunction(k->size()),
        k_(std::move(k)),
        cap_(static_cast<std::size_t>(k_->size())),
        c_(static_cast<std::size_t>(k_->size()), 0.0f) {
    if (!(alpha > 0 && alpha <= 1))
      throw invalid_argument("saturated-coverage alpha must be in (0, 1], got " + std::to_string(alpha));
    if (k_->min_value() < 0.0f)
      throw invalid_argument("saturated-coverage needs non-negative similarities; use cosine, euclidean or rbf");
    const Index n = size();
#pragma omp parallel for schedule(static)
    for (Index j = 0; j < n; ++j) {
      const float* r = k_->row(j);  // symmetric: column j = row j
      double acc = 0.0;
      for (Index i = 0; i < n; ++i) acc += r[i];
      cap_[static_cast<std::size_t>(j)] = static_cast<float>(alpha * acc);
    }
  }
  std::string name() const override {
    return "saturated-coverage";
  }
  Index size() const override {
    return k_->size();
  }
  FunctionTraits traits() const override {
    return {true, true};
  }

  double evaluate(const std::vector<Index>& subset) const override {
    const Index n = size();
    std::vector<double> c(static_cast<std::size_t>(n), 0.0);
    for (Index i : subset) {
      const float* r = k_->row(i);
      for (Index j = 0; j < n; ++j) c[static_cast<std::size_t>(j)] += r[j];
    }
    double total = 0.0;
    for (Index j = 0; j < n; ++j)
      total += std::min(c[static_cast<std::size_t>(j)], static_cast<double>(cap_[static_cast<std::size_t>(j)]));
    return total;
  }
  double gain(Index i) const override {
    const float* r = k_->row(i);
    const float* cap = cap_.data();
    const float* c = c_.data();
    const Index n = size();
    double acc = 0.0;
#pragma omp simd reduction(+ : acc)
    for (Index j = 0; j < n; ++j) acc += static_cast<double>(std::min(r[j], std::max(0.0f, cap[j] - c[j])));
    return acc;
  }

 protected:
  void update(Index i) override {
    const float* r = k_->row(i);
    const Index n = size();
    for (Index j = 0; j < n; ++j) c_[static_cast<std::size_t>(j)] += r[j];
  }
  void clear() override {
    std::fill(c_.begin(), c_.end(), 0.0f);
  }

 private:
  std::shared_ptr<const DenseKernel> k_;
  std::vector<float> cap_;
  std::vector<float> c_;
};

}  // namespace

std::unique_ptr<SetFunction> saturated_coverage(std::shared_ptr<const DenseKernel> k, double alpha) {
  CORDS_CHECK(
      k->square(),
      "saturated-coverage needs a square kernel over the ground set (a represented set is for facility-location)");
  return std::make_unique<SaturatedCoverage>(std::move(k), alpha);
}

}  // namespace cords::select
