#include <algorithm>
#include <limits>

#include "cords/core/check.h"
#include "cords/select/functions.h"

namespace cords::select {
namespace {

// Distances from similarities: d_ij = s_max - s_ij (= d2_ij for the euclidean kernel, 1 - s_ij for cosine).
class Disparity : public SetFunction {
 protected:
  explicit Disparity(std::shared_ptr<const DenseKernel> k) : SetFunction(k->size()), k_(std::move(k)) {}
  double dist(Index i, Index j) const { return static_cast<double>(k_->max_value()) - (*k_)(i, j); }
  Index size() const override { return k_->size(); }
  std::shared_ptr<const DenseKernel> k_;
};

// f(S) = sum_{i<j in S} d_ij. Memo: c_i = sum_{j in S} d_ij = gain(i).
class DisparitySum final : public Disparity {
 public:
  explicit DisparitySum(std::shared_ptr<const DenseKernel> k)
      : Disparity(std::move(k)), c_(static_cast<std::size_t>(size()), 0.0) {}
  std::string name() const override { return "disparity-sum"; }
  Index size() const override { return Disparity::size(); }
  FunctionTraits traits() const override { return {true, false}; }
  double evaluate(const std::vector<Index>& subset) const override {
    double total = 0.0;
    for (std::size_t p = 0; p < subset.size(); ++p)
      for (std::size_t q = p + 1; q < subset.size(); ++q) total += dist(subset[p], subset[q]);
    return total;
  }
  double gain(Index i) const override { return c_[static_cast<std::size_t>(i)]; }

 protected:
  void update(Index i) override {
    for (Index j = 0; j < size(); ++j) c_[static_cast<std::size_t>(j)] += dist(i, j);
  }
  void clear() override { std::fill(c_.begin(), c_.end(), 0.0); }

 private:
  std::vector<double> c_;
};

// f({}) = 0, f({i}) = D = s_max - s_min, f(S) = min_{i != j in S} d_ij. Memo: m_i = min_{j in S} d_ij.
class DisparityMin final : public Disparity {
 public:
  explicit DisparityMin(std::shared_ptr<const DenseKernel> k)
      : Disparity(std::move(k)), m_(static_cast<std::size_t>(size()), kInf) {
    diameter_ = static_cast<double>(k_->max_value()) - k_->min_value();
  }
  std::string name() const override { return "disparity-min"; }
  Index size() const override { return Disparity::size(); }
  FunctionTraits traits() const override { return {false, false}; }
  double evaluate(const std::vector<Index>& subset) const override {
    if (subset.empty()) return 0.0;
    if (subset.size() == 1) return diameter_;
    double best = kInf;
    for (std::size_t p = 0; p < subset.size(); ++p)
      for (std::size_t q = p + 1; q < subset.size(); ++q) best = std::min(best, dist(subset[p], subset[q]));
    return best;
  }
  double gain(Index i) const override {
    if (set_size() == 0) return diameter_;
    const double m = m_[static_cast<std::size_t>(i)];
    if (set_size() == 1) return m - diameter_;
    return std::min(current_, m) - current_;
  }

 protected:
  void update(Index i) override {
    if (set_size() == 1)
      current_ = m_[static_cast<std::size_t>(i)];
    else if (set_size() > 1)
      current_ = std::min(current_, m_[static_cast<std::size_t>(i)]);
    for (Index j = 0; j < size(); ++j)
      m_[static_cast<std::size_t>(j)] = std::min(m_[static_cast<std::size_t>(j)], dist(i, j));
  }
  void clear() override {
    std::fill(m_.begin(), m_.end(), kInf);
    current_ = kInf;
  }

 private:
  static constexpr double kInf = std::numeric_limits<double>::infinity();
  std::vector<double> m_;
  double current_ = kInf;
  double diameter_ = 0.0;
};

}  // namespace

std::unique_ptr<SetFunction> disparity_sum(std::shared_ptr<const DenseKernel> k) {
  CORDS_CHECK(k->square(),
              "disparity-sum needs a square kernel over the ground set (a represented set is for facility-location)");
  return std::make_unique<DisparitySum>(std::move(k));
}
std::unique_ptr<SetFunction> disparity_min(std::shared_ptr<const DenseKernel> k) {
  CORDS_CHECK(k->square(),
              "disparity-min needs a square kernel over the ground set (a represented set is for facility-location)");
  return std::make_unique<DisparityMin>(std::move(k));
}

}  // namespace cords::select
