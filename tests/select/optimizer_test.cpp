#include "cords/select/optimizer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>

#include "../support/error_matchers.h"
#include "cords/core/error.h"
#include "cords/select/functions.h"
#include "cords/select/registry.h"
#include "test_data.h"

namespace cords::select {
namespace {

using Factory = std::function<std::unique_ptr<SetFunction>(MatrixView)>;

std::shared_ptr<const DenseKernel> k_of(MatrixView x, Metric m) {
  return std::make_shared<const DenseKernel>(make_dense_kernel(x, {m, 0.1}));
}

// Every function, built on x (features shifted to be non-negative where a function needs it).
std::vector<std::pair<std::string, Factory>> all_functions() {
  return {
      {"facility-location", [](MatrixView x) { return facility_location(k_of(x, Metric::Cosine)); }},
      {"facility-location-knn",
       [](MatrixView x) {
         KnnOptions o;
         o.k = 10;
         return facility_location(std::make_shared<const SparseKernel>(make_knn_kernel(x, o)));
       }},
      {"graph-cut", [](MatrixView x) { return graph_cut(k_of(x, Metric::Rbf), 0.4); }},
      {"log-determinant", [](MatrixView x) { return log_determinant(k_of(x, Metric::Cosine), 1.0); }},
      {"disparity-sum", [](MatrixView x) { return disparity_sum(k_of(x, Metric::Euclidean)); }},
      {"disparity-min", [](MatrixView x) { return disparity_min(k_of(x, Metric::Euclidean)); }},
      {"saturated-coverage", [](MatrixView x) { return saturated_coverage(k_of(x, Metric::Cosine), 0.2); }},
  };
}

Matrix positive(const Matrix& x) {
  Matrix p(x.rows(), x.cols());
  for (Index i = 0; i < x.rows(); ++i)
    for (Index t = 0; t < x.cols(); ++t) p(i, t) = std::fabs(x(i, t)) / 4.0f;
  return p;
}

std::vector<std::pair<std::string, Factory>> feature_functions() {
  return {
      {"feature-based", [](MatrixView x) { return feature_based(x, Concave::Sqrt); }},
      {"set-cover", [](MatrixView x) { return set_cover(x, 0.5); }},
      {"probabilistic-set-cover",
       [](MatrixView x) {
         static Matrix clipped;
         clipped = Matrix(x.rows, x.cols);
         for (Index i = 0; i < x.rows; ++i)
           for (Index t = 0; t < x.cols; ++t) clipped(i, t) = std::min(1.0f, x(i, t));
         return probabilistic_set_cover(clipped.view());
       }},
  };
}

// Every function, built on x; the feature functions get a non-negative version of x.
std::vector<std::pair<std::string, std::unique_ptr<SetFunction>>> every_function(const Matrix& x) {
  static Matrix p;
  p = positive(x);
  std::vector<std::pair<std::string, std::unique_ptr<SetFunction>>> out;
  for (auto& [name, make] : all_functions()) out.emplace_back(name, make(x.view()));
  for (auto& [name, make] : feature_functions()) out.emplace_back(name, make(p.view()));
  return out;
}

GreedyOptions seeded(std::uint64_t seed) {
  GreedyOptions o;
  o.seed = seed;
  return o;
}

TEST(LazyGreedy, SelectsExactlyWhatNaiveGreedySelects) {
  for (std::uint64_t seed : {1, 2, 3}) {
    Matrix x = test::blobs(300, 16, 7, seed);
    for (auto& [name, f] : every_function(x)) {
      const Selection naive = naive_greedy()->maximize(*f, 40, {});
      const Selection lazy = lazy_greedy()->maximize(*f, 40, {});
      EXPECT_EQ(naive.selected, lazy.selected) << name << " seed " << seed;
      EXPECT_EQ(naive.gains, lazy.gains) << name << " seed " << seed;
      EXPECT_DOUBLE_EQ(naive.objective, lazy.objective) << name;
      if (f->traits().submodular) {
        EXPECT_LE(lazy.evaluations, naive.evaluations) << name;
      }
    }
  }
}

TEST(LazyGreedy, NeedsFarFewerEvaluationsForFacilityLocation) {
  Matrix x = test::blobs(2000, 32, 20, 4);
  auto f = facility_location(k_of(x.view(), Metric::Cosine));
  const Selection naive = naive_greedy()->maximize(*f, 100, {});
  const Selection lazy = lazy_greedy()->maximize(*f, 100, {});
  EXPECT_EQ(naive.selected, lazy.selected);
  EXPECT_LT(lazy.evaluations * 5, naive.evaluations);
}

TEST(Greedy, GainsAreRecordedAndSumToObjective) {
  Matrix x = test::blobs(200, 8, 5, 9);
  auto f = facility_location(k_of(x.view(), Metric::Cosine));
  for (auto& info : optimizer_registry()) {
    const Selection s = info.make()->maximize(*f, 20, seeded(3));
    ASSERT_EQ(s.selected.size(), 20u) << info.name;
    ASSERT_EQ(s.gains.size(), 20u) << info.name;
    double sum = 0;
    for (double g : s.gains) sum += g;
    EXPECT_NEAR(sum, s.objective, 1e-6 * s.objective) << info.name;
    EXPECT_NEAR(f->evaluate(s.selected), s.objective, 1e-4 * s.objective) << info.name;
    std::vector<Index> sorted = s.selected;
    std::sort(sorted.begin(), sorted.end());
    EXPECT_EQ(std::unique(sorted.begin(), sorted.end()), sorted.end()) << info.name << " picked an element twice";
    if (info.name == "naive" || info.name == "lazy") {  // exact greedy on a submodular function: gains never rise
      for (std::size_t t = 1; t < s.gains.size(); ++t) EXPECT_LE(s.gains[t], s.gains[t - 1] + 1e-9) << info.name;
    }
  }
}

// Brute force over all k-subsets of a small ground set.
double optimum(const SetFunction& f, Index k) {
  const Index n = f.size();
  std::vector<Index> idx(static_cast<std::size_t>(k));
  double best = -1e300;
  std::function<void(Index, Index)> rec = [&](Index start, Index depth) {
    if (depth == k) {
      best = std::max(best, f.evaluate(idx));
      return;
    }
    for (Index i = start; i < n; ++i) {
      idx[static_cast<std::size_t>(depth)] = i;
      rec(i + 1, depth + 1);
    }
  };
  rec(0, 0);
  return best;
}

TEST(Greedy, ReachesOneMinusOneOverEOfTheOptimumOnSmallSets) {
  const double bound = 1.0 - std::exp(-1.0);
  for (std::uint64_t seed : {11, 12, 13, 14}) {
    Matrix x = test::blobs(14, 4, 3, seed);
    for (auto& [name, f] : every_function(x)) {
      if (!(f->traits().monotone && f->traits().submodular)) continue;
      for (Index k : {2, 3, 4}) {
        const double opt = optimum(*f, k);
        const Selection s = lazy_greedy()->maximize(*f, k, {});
        EXPECT_GE(s.objective, bound * opt - 1e-9) << name << " k=" << k << " seed " << seed;
        EXPECT_LE(s.objective, opt + 1e-6 * std::fabs(opt)) << name;
      }
    }
  }
}

TEST(StochasticGreedy, ReachesNinetySevenPercentOfNaive) {
  for (std::uint64_t seed : {21, 22, 23}) {
    Matrix x = test::blobs(3000, 24, 30, seed);
    auto f = facility_location(k_of(x.view(), Metric::Cosine));
    const double naive = lazy_greedy()->maximize(*f, 150, {}).objective;
    const Selection st = stochastic_greedy()->maximize(*f, 150, seeded(seed));
    const Selection ltl = lazier_than_lazy_greedy()->maximize(*f, 150, seeded(seed));
    EXPECT_GE(st.objective, 0.97 * naive) << "seed " << seed;
    EXPECT_GE(ltl.objective, 0.97 * naive) << "seed " << seed;
    // Lazier-than-lazy searches the same samples lazily: same picks, fewer evaluations.
    EXPECT_EQ(st.selected, ltl.selected);
    EXPECT_LT(ltl.evaluations, st.evaluations);
  }
}

TEST(Optimizers, AreDeterministicForASeedAndVaryAcrossSeeds) {
  Matrix x = test::blobs(500, 8, 10, 5);
  auto f = facility_location(k_of(x.view(), Metric::Cosine));
  for (const char* name : {"stochastic", "lazier-than-lazy", "random"}) {
    auto opt = make_optimizer(name);
    EXPECT_EQ(opt->maximize(*f, 25, seeded(42)).selected, opt->maximize(*f, 25, seeded(42)).selected) << name;
    EXPECT_NE(opt->maximize(*f, 25, seeded(42)).selected, opt->maximize(*f, 25, seeded(43)).selected) << name;
  }
}

TEST(Optimizers, StoppingRules) {
  // Three distinct points repeated: after 3 picks facility location has nothing left to gain.
  Matrix x(30, 3);
  for (Index i = 0; i < 30; ++i) x(i, i % 3) = 1.0f;
  auto f = facility_location(k_of(x.view(), Metric::Cosine));
  GreedyOptions o;
  EXPECT_EQ(lazy_greedy()->maximize(*f, 10, o).selected.size(), 10u);
  o.stop_if_zero_gain = true;
  const Selection s = lazy_greedy()->maximize(*f, 10, o);
  EXPECT_EQ(s.selected.size(), 3u);
  EXPECT_EQ(s.selected, (std::vector<Index>{0, 1, 2}));  // ties go to the lowest index

  auto gc = graph_cut(k_of(test::blobs(40, 4, 2, 1).view(), Metric::Cosine), 1.0);
  GreedyOptions neg;
  neg.stop_if_negative_gain = true;
  const Selection g = lazy_greedy()->maximize(*gc, 40, neg);
  EXPECT_LT(g.selected.size(), 40u);
  for (double v : g.gains) EXPECT_GE(v, 0.0);
}

TEST(Optimizers, RejectBadBudgetsAndEpsilon) {
  Matrix x = test::blobs(20, 3, 2, 1);
  auto f = facility_location(k_of(x.view(), Metric::Cosine));
  EXPECT_CORDS_ERROR(lazy_greedy()->maximize(*f, 0, {}), InvalidArgument);
  EXPECT_CORDS_ERROR(lazy_greedy()->maximize(*f, 21, {}), InvalidArgument);
  GreedyOptions o;
  o.epsilon = 0.0;
  EXPECT_CORDS_ERROR(stochastic_greedy()->maximize(*f, 5, o), InvalidArgument);
}

TEST(Optimizers, ProgressIsReportedEveryStep) {
  Matrix x = test::blobs(100, 3, 4, 1);
  auto f = facility_location(k_of(x.view(), Metric::Cosine));
  GreedyOptions o;
  std::vector<Index> calls;
  o.progress = [&](Index done, Index total) {
    EXPECT_EQ(total, 7);
    calls.push_back(done);
  };
  lazy_greedy()->maximize(*f, 7, o);
  EXPECT_EQ(calls, (std::vector<Index>{1, 2, 3, 4, 5, 6, 7}));
}

TEST(CostAwareGreedy, RespectsTheCostBudgetAndPrefersCheapGain) {
  Matrix x = test::blobs(200, 8, 10, 3);
  auto f = facility_location(k_of(x.view(), Metric::Cosine));
  std::vector<double> costs(200);
  for (Index i = 0; i < 200; ++i) costs[static_cast<std::size_t>(i)] = 1.0 + static_cast<double>(i % 5);
  const Selection s = cost_aware_greedy(*f, costs, 20.0, 0, GreedyOptions{});
  double spent = 0;
  for (Index i : s.selected) spent += costs[static_cast<std::size_t>(i)];
  EXPECT_LE(spent, 20.0);
  EXPECT_GE(s.selected.size(), 5u);
  EXPECT_NEAR(f->evaluate(s.selected), s.objective, 1e-4 * s.objective);
  // With unit costs it is plain lazy greedy.
  const std::vector<double> unit(200, 1.0);
  EXPECT_EQ(cost_aware_greedy(*f, unit, 12.0, 0, GreedyOptions{}).selected,
            lazy_greedy()->maximize(*f, 12, {}).selected);
}

TEST(CostAwareGreedy, FallsBackToTheBestSingletonWhenRatiosMislead) {
  // Element 0 covers everything but costs the whole budget; element 1 is cheap and covers little.
  Matrix s(3, 3);
  const float v[3][3] = {{1, 1, 1}, {1, 1, 0}, {1, 0, 1}};
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) s(i, j) = v[i][j] * (i == j ? 1.0f : 0.99f);
  Matrix t(3, 3);
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) t(i, j) = i == 1 && j == 2 ? 0.0f : (i == 2 && j == 1 ? 0.0f : s(i, j));
  auto k = std::make_shared<const DenseKernel>(std::move(t), Metric::Cosine);
  auto f = facility_location(k);
  const Selection r = cost_aware_greedy(*f, {10.0, 0.1, 100.0}, 10.0, 0, GreedyOptions{});
  EXPECT_EQ(r.selected, (std::vector<Index>{0}));
}

TEST(Registry, UnknownNamesListTheValidOnes) {
  Matrix x = test::blobs(10, 3, 2, 1);
  FunctionInputs in(x.view(), {}, 0, {});
  try {
    make_function("facility-locaton", in, {});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::InvalidArgument);
    EXPECT_NE(std::string(e.what()).find("facility-location, graph-cut"), std::string::npos) << e.what();
  }
  try {
    make_optimizer("lazzy");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("naive, lazy, stochastic, lazier-than-lazy, random"), std::string::npos);
  }
  for (auto& info : function_registry()) EXPECT_FALSE(info.summary.empty());
}

TEST(Registry, BuildsWeightedMixtures) {
  Matrix x = test::blobs(50, 4, 3, 1);
  FunctionInputs in(x.view(), {}, 0, {});
  auto m = make_function("0.7*facility-location + 0.3*log-determinant", in, {});
  auto fl = make_function("facility-location", in, {});
  auto ld = make_function("log-determinant", in, {});
  const std::vector<Index> s{1, 7, 20};
  EXPECT_NEAR(m->evaluate(s), 0.7 * fl->evaluate(s) + 0.3 * ld->evaluate(s), 1e-9);
  EXPECT_CORDS_ERROR(make_function("x*facility-location", in, {}), InvalidArgument);
  FunctionInputs sparse(x.view(), {}, 5, {});
  EXPECT_CORDS_ERROR(make_function("graph-cut", sparse, {}), InvalidArgument);
}

}  // namespace
}  // namespace cords::select
