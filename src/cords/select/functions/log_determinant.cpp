#include <cmath>
#include <limits>

#include "cords/core/check.h"
#include "cords/core/error.h"
#include "cords/select/functions.h"

namespace cords::select {
namespace {

// Incremental Cholesky of L_S + rI (Chen et al. 2018, fast greedy MAP inference). For every element i:
//   d2_i = L_ii + r - ||c_i||^2 (the Schur complement), gain(i) = log d2_i;
//   adding j: e_i = (L_ji - <c_j, c_i>) / sqrt(d2_j), c_i <- [c_i, e_i], d2_i -= e_i^2.
// Cost: O(n |S|) per add, O(1) per gain.
class LogDeterminant final : public SetFunction {
 public:
  LogDeterminant(std::shared_ptr<const DenseKernel> k, double r)
      : SetFunction(k->size()), k_(std::move(k)), r_(r), d2_(static_cast<std::size_t>(k_->size())) {
    if (!(r > 0)) throw invalid_argument("log-determinant regularizer must be > 0, got " + std::to_string(r));
    if (!is_psd(k_->metric()))
      throw invalid_argument(std::string("log-determinant needs a positive semi-definite kernel; the ") +
                             to_string(k_->metric()) + " kernel is not: use cosine, rbf or dot");
    clear();
  }
  std::string name() const override { return "log-determinant"; }
  Index size() const override { return k_->size(); }
  FunctionTraits traits() const override { return {r_ >= 1.0, true}; }

  double evaluate(const std::vector<Index>& subset) const override {
    const std::size_t m = subset.size();
    std::vector<double> a(m * m);
    for (std::size_t p = 0; p < m; ++p)
      for (std::size_t q = 0; q < m; ++q) a[p * m + q] = (*k_)(subset[p], subset[q]) + (p == q ? r_ : 0.0);
    double logdet = 0.0;
    for (std::size_t p = 0; p < m; ++p) {  // in-place Cholesky
      double diag = a[p * m + p];
      for (std::size_t t = 0; t < p; ++t) diag -= a[p * m + t] * a[p * m + t];
      if (!(diag > 0)) return -std::numeric_limits<double>::infinity();
      const double l = std::sqrt(diag);
      a[p * m + p] = l;
      logdet += 2.0 * std::log(l);
      for (std::size_t q = p + 1; q < m; ++q) {
        double v = a[q * m + p];
        for (std::size_t t = 0; t < p; ++t) v -= a[q * m + t] * a[p * m + t];
        a[q * m + p] = v / l;
      }
    }
    return logdet;
  }
  double gain(Index i) const override {
    const double d2 = d2_[static_cast<std::size_t>(i)];
    return d2 > 0 ? std::log(d2) : -std::numeric_limits<double>::infinity();
  }

 protected:
  void update(Index j) override {
    const Index n = size();
    const double dj = std::sqrt(std::max(d2_[static_cast<std::size_t>(j)], 1e-300));
    const float* lj = k_->row(j);
    const std::size_t t = cols_.size();
    std::vector<double> e(static_cast<std::size_t>(n));
#pragma omp parallel for schedule(static) if (n * static_cast <Index>(t + 1) > 100000)
    for (Index i = 0; i < n; ++i) {
      double dot = 0.0;
      for (std::size_t s = 0; s < t; ++s)
        dot += cols_[s][static_cast<std::size_t>(j)] * cols_[s][static_cast<std::size_t>(i)];
      const double ei = (lj[i] - dot) / dj;
      e[static_cast<std::size_t>(i)] = ei;
      d2_[static_cast<std::size_t>(i)] -= ei * ei;
    }
    cols_.push_back(std::move(e));
  }
  void clear() override {
    cols_.clear();
    for (Index i = 0; i < size(); ++i) d2_[static_cast<std::size_t>(i)] = (*k_)(i, i) + r_;
  }

 private:
  std::shared_ptr<const DenseKernel> k_;
  double r_;
  std::vector<double> d2_;
  std::vector<std::vector<double>> cols_;  // cols_[s][i] = s-th Cholesky coordinate of element i
};

}  // namespace

std::unique_ptr<SetFunction> log_determinant(std::shared_ptr<const DenseKernel> k, double regularizer) {
  CORDS_CHECK(k->square(),
              "log-determinant needs a square kernel over the ground set (a represented set is for facility-location)");
  return std::make_unique<LogDeterminant>(std::move(k), regularizer);
}

}  // namespace cords::select
