#include "cords/core/check.h"
#include "cords/core/error.h"
#include "cords/select/functions.h"

namespace cords::select {
namespace {

// Memo: c_i = sum_{j in S} s_ij. gain(i) = t_i - lambda (2 c_i + s_ii), t_i = sum_{j in V} s_ij.
class GraphCut final : public SetFunction {
 public:
  GraphCut(std::shared_ptr<const DenseKernel> k, double lambda)
      : SetFunction(k->size()),
        k_(std::move(k)),
        lambda_(lambda),
        total_(static_cast<std::size_t>(k_->size())),
        c_(static_cast<std::size_t>(k_->size()), 0.0) {
    if (!(lambda >= 0)) throw invalid_argument("graph-cut lambda must be >= 0, got " + std::to_string(lambda));
    if (k_->min_value() < 0.0f)
      throw invalid_argument("graph-cut needs non-negative similarities; use the cosine, euclidean or rbf metric");
    const Index n = size();
#pragma omp parallel for schedule(static)
    for (Index i = 0; i < n; ++i) {
      const float* r = k_->row(i);
      double acc = 0.0;
      for (Index j = 0; j < n; ++j) acc += r[j];
      total_[static_cast<std::size_t>(i)] = acc;
    }
  }
  std::string name() const override {
    return "graph-cut";
  }
  Index size() const override {
    return k_->size();
  }
  FunctionTraits traits() const override {
    return {lambda_ <= 0.5, true};
  }

  double evaluate(const std::vector<Index>& subset) const override {
    double cover = 0.0, within = 0.0;
    for (Index i : subset) {
      cover += total_[static_cast<std::size_t>(i)];
      for (Index j : subset) within += (*k_)(i, j);
    }
    return cover - lambda_ * within;
  }
  double gain(Index i) const override {
    return total_[static_cast<std::size_t>(i)] -
           lambda_ * (2.0 * c_[static_cast<std::size_t>(i)] + static_cast<double>((*k_)(i, i)));
  }

 protected:
  void update(Index i) override {
    const float* r = k_->row(i);
    const Index n = size();
    for (Index j = 0; j < n; ++j) c_[static_cast<std::size_t>(j)] += r[j];
  }
  void clear() override {
    std::fill(c_.begin(), c_.end(), 0.0);
  }

 private:
  std::shared_ptr<const DenseKernel> k_;
  double lambda_;
  std::vector<double> total_;
  std::vector<double> c_;
};

}  // namespace

std::unique_ptr<SetFunction> graph_cut(std::shared_ptr<const DenseKernel> k, double lambda) {
  CORDS_CHECK(k->square(),
              "graph-cut needs a square kernel over the ground set (a represented set is for facility-location)");
  return std::make_unique<GraphCut>(std::move(k), lambda);
}

}  // namespace cords::select
