#include <cmath>

#include "cords/core/error.h"
#include "cords/select/functions.h"

namespace cords::select {
namespace {

double apply(Concave g, double x) {
  switch (g) {
    case Concave::Sqrt:
      return std::sqrt(x);
    case Concave::Log1p:
      return std::log1p(x);
    case Concave::Inverse:
      return 1.0 - 1.0 / (1.0 + x);
  }
  return 0.0;
}

std::vector<double> default_weights(std::vector<double> w, Index m, const char* fn) {
  if (w.empty()) return std::vector<double>(static_cast<std::size_t>(m), 1.0);
  if (static_cast<Index>(w.size()) != m)
    throw invalid_argument(std::string(fn) + ": " + std::to_string(w.size()) + " weights for " + std::to_string(m) +
                           " features");
  for (double v : w)
    if (!(v >= 0)) throw invalid_argument(std::string(fn) + ": feature weights must be >= 0");
  return w;
}

// Sparse row storage of the non-zero features: (u, F_iu).
struct SparseRows {
  std::vector<std::int64_t> offsets;
  std::vector<std::int32_t> col;
  std::vector<float> val;
  SparseRows(MatrixView f, float threshold) {
    offsets.push_back(0);
    for (Index i = 0; i < f.rows; ++i) {
      for (Index u = 0; u < f.cols; ++u)
        if (f(i, u) > threshold) {
          col.push_back(static_cast<std::int32_t>(u));
          val.push_back(f(i, u));
        }
      offsets.push_back(static_cast<std::int64_t>(col.size()));
    }
  }
  template <class Fn>
  void for_row(Index i, Fn fn) const {
    for (auto t = offsets[static_cast<std::size_t>(i)]; t < offsets[static_cast<std::size_t>(i) + 1]; ++t)
      fn(col[static_cast<std::size_t>(t)], val[static_cast<std::size_t>(t)]);
  }
};

void check_features(MatrixView f, const char* fn, bool at_most_one) {
  for (Index i = 0; i < f.rows; ++i)
    for (Index u = 0; u < f.cols; ++u) {
      const float v = f(i, u);
      if (v < 0 || (at_most_one && v > 1))
        throw invalid_argument(std::string(fn) + " needs features in " + (at_most_one ? "[0, 1]" : "[0, inf)") +
                               "; found " + std::to_string(v) + " at row " + std::to_string(i) + ", column " +
                               std::to_string(u));
    }
}

// Memo: a_u = sum_{i in S} F_iu. gain(i) = sum_u w_u (g(a_u + F_iu) - g(a_u)).
class FeatureBased final : public SetFunction {
 public:
  FeatureBased(MatrixView f, Concave g, std::vector<double> w)
      : SetFunction(f.rows),
        n_(f.rows),
        g_(g),
        w_(default_weights(std::move(w), f.cols, "feature-based")),
        rows_((check_features(f, "feature-based", false), f), 0.0f),
        a_(static_cast<std::size_t>(f.cols), 0.0) {}
  std::string name() const override { return "feature-based"; }
  Index size() const override { return n_; }
  FunctionTraits traits() const override { return {true, true}; }
  double evaluate(const std::vector<Index>& subset) const override {
    std::vector<double> a(w_.size(), 0.0);
    for (Index i : subset) rows_.for_row(i, [&](std::int32_t u, float v) { a[static_cast<std::size_t>(u)] += v; });
    double total = 0.0;
    for (std::size_t u = 0; u < a.size(); ++u) total += w_[u] * apply(g_, a[u]);
    return total;
  }
  double gain(Index i) const override {
    double acc = 0.0;
    rows_.for_row(i, [&](std::int32_t u, float v) {
      const double a = a_[static_cast<std::size_t>(u)];
      acc += w_[static_cast<std::size_t>(u)] * (apply(g_, a + v) - apply(g_, a));
    });
    return acc;
  }

 protected:
  void update(Index i) override {
    rows_.for_row(i, [&](std::int32_t u, float v) { a_[static_cast<std::size_t>(u)] += v; });
  }
  void clear() override { std::fill(a_.begin(), a_.end(), 0.0); }

 private:
  Index n_;
  Concave g_;
  std::vector<double> w_;
  SparseRows rows_;
  std::vector<double> a_;
};

// Memo: covered_u. gain(i) = sum of w_u over the concepts of i not yet covered.
class SetCover final : public SetFunction {
 public:
  SetCover(MatrixView f, float threshold, std::vector<double> w)
      : SetFunction(f.rows),
        n_(f.rows),
        w_(default_weights(std::move(w), f.cols, "set-cover")),
        rows_(f, threshold),
        covered_(static_cast<std::size_t>(f.cols), 0) {}
  std::string name() const override { return "set-cover"; }
  Index size() const override { return n_; }
  FunctionTraits traits() const override { return {true, true}; }
  double evaluate(const std::vector<Index>& subset) const override {
    std::vector<char> cov(w_.size(), 0);
    for (Index i : subset) rows_.for_row(i, [&](std::int32_t u, float) { cov[static_cast<std::size_t>(u)] = 1; });
    double total = 0.0;
    for (std::size_t u = 0; u < cov.size(); ++u) total += cov[u] ? w_[u] : 0.0;
    return total;
  }
  double gain(Index i) const override {
    double acc = 0.0;
    rows_.for_row(i, [&](std::int32_t u, float) {
      acc += covered_[static_cast<std::size_t>(u)] ? 0.0 : w_[static_cast<std::size_t>(u)];
    });
    return acc;
  }

 protected:
  void update(Index i) override {
    rows_.for_row(i, [&](std::int32_t u, float) { covered_[static_cast<std::size_t>(u)] = 1; });
  }
  void clear() override { std::fill(covered_.begin(), covered_.end(), 0); }

 private:
  Index n_;
  std::vector<double> w_;
  SparseRows rows_;
  std::vector<char> covered_;
};

// Memo: q_u = prod_{i in S} (1 - p_iu). gain(i) = sum_u w_u q_u p_iu.
class ProbabilisticSetCover final : public SetFunction {
 public:
  ProbabilisticSetCover(MatrixView f, std::vector<double> w)
      : SetFunction(f.rows),
        n_(f.rows),
        w_(default_weights(std::move(w), f.cols, "probabilistic-set-cover")),
        rows_((check_features(f, "probabilistic-set-cover", true), f), 0.0f),
        q_(static_cast<std::size_t>(f.cols), 1.0) {}
  std::string name() const override { return "probabilistic-set-cover"; }
  Index size() const override { return n_; }
  FunctionTraits traits() const override { return {true, true}; }
  double evaluate(const std::vector<Index>& subset) const override {
    std::vector<double> q(w_.size(), 1.0);
    for (Index i : subset)
      rows_.for_row(i, [&](std::int32_t u, float p) { q[static_cast<std::size_t>(u)] *= 1.0 - p; });
    double total = 0.0;
    for (std::size_t u = 0; u < q.size(); ++u) total += w_[u] * (1.0 - q[u]);
    return total;
  }
  double gain(Index i) const override {
    double acc = 0.0;
    rows_.for_row(i, [&](std::int32_t u, float p) {
      acc += w_[static_cast<std::size_t>(u)] * q_[static_cast<std::size_t>(u)] * p;
    });
    return acc;
  }

 protected:
  void update(Index i) override {
    rows_.for_row(i, [&](std::int32_t u, float p) { q_[static_cast<std::size_t>(u)] *= 1.0 - p; });
  }
  void clear() override { std::fill(q_.begin(), q_.end(), 1.0); }

 private:
  Index n_;
  std::vector<double> w_;
  SparseRows rows_;
  std::vector<double> q_;
};

}  // namespace

Concave parse_concave(const std::string& name) {
  if (name == "sqrt") return Concave::Sqrt;
  if (name == "log1p") return Concave::Log1p;
  if (name == "inverse") return Concave::Inverse;
  throw invalid_argument("unknown concave function '" + name + "'; valid: sqrt, log1p, inverse");
}

std::unique_ptr<SetFunction> feature_based(MatrixView features, Concave g, std::vector<double> weights) {
  return std::make_unique<FeatureBased>(features, g, std::move(weights));
}
std::unique_ptr<SetFunction> set_cover(MatrixView features, double threshold, std::vector<double> weights) {
  return std::make_unique<SetCover>(features, static_cast<float>(threshold), std::move(weights));
}
std::unique_ptr<SetFunction> probabilistic_set_cover(MatrixView features, std::vector<double> weights) {
  return std::make_unique<ProbabilisticSetCover>(features, std::move(weights));
}

}  // namespace cords::select
