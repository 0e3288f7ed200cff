// Typed property suite: every set function honours the SetFunction contract and the claims of its traits.
//   evaluate({}) == 0; memoized gain == evaluate(S+i) - evaluate(S); value() == evaluate(selected());
//   diminishing returns on random nested sets (where submodular is claimed); gains >= 0 (where monotone is
//   claimed); reset() returns to the empty set.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>

#include "../support/error_matchers.h"
#include "cords/core/error.h"
#include "cords/core/rng.h"
#include "cords/select/functions.h"
#include "test_data.h"

namespace cords::select {
namespace {

constexpr Index kN = 36;

std::shared_ptr<const DenseKernel> kernel(Metric m, std::uint64_t seed = 7) {
  static Matrix x = test::blobs(kN, 6, 4, seed);
  return std::make_shared<const DenseKernel>(make_dense_kernel(x.view(), {m, 0.1}));
}
const Matrix& nonneg_features() {
  static Matrix f = test::uniform(kN, 10, 11, 0.0, 1.0);
  return f;
}

// One type per function: make() builds it on shared test data.
struct FacilityLocationDense {
  static auto make() { return facility_location(kernel(Metric::Cosine)); }
};
struct FacilityLocationSparse {
  static auto make() {
    static Matrix x = test::blobs(kN, 6, 4, 7);
    KnnOptions o;
    o.k = 8;
    return facility_location(std::make_shared<const SparseKernel>(make_knn_kernel(x.view(), o)));
  }
};
struct FacilityLocationEuclidean {
  static auto make() { return facility_location(kernel(Metric::Euclidean)); }
};
struct GraphCutMonotone {
  static auto make() { return graph_cut(kernel(Metric::Rbf), 0.4); }
};
struct GraphCutNonMonotone {
  static auto make() { return graph_cut(kernel(Metric::Cosine), 0.9); }
};
struct LogDeterminant {
  static auto make() { return log_determinant(kernel(Metric::Rbf), 1.0); }
};
struct LogDeterminantSmallReg {
  static auto make() { return log_determinant(kernel(Metric::Cosine), 0.5); }
};
struct DisparitySum {
  static auto make() { return disparity_sum(kernel(Metric::Cosine)); }
};
struct DisparityMin {
  static auto make() { return disparity_min(kernel(Metric::Euclidean)); }
};
struct FeatureSqrt {
  static auto make() { return feature_based(nonneg_features().view(), Concave::Sqrt); }
};
struct FeatureLog {
  static auto make() { return feature_based(nonneg_features().view(), Concave::Log1p); }
};
struct FeatureInverse {
  static auto make() { return feature_based(nonneg_features().view(), Concave::Inverse); }
};
struct SaturatedCoverage {
  static auto make() { return saturated_coverage(kernel(Metric::Cosine), 0.1); }
};
struct SetCover {
  static auto make() { return set_cover(nonneg_features().view(), 0.8); }
};
struct ProbSetCover {
  static auto make() { return probabilistic_set_cover(nonneg_features().view()); }
};
struct Mixture {
  static auto make() {
    std::vector<std::unique_ptr<SetFunction>> parts;
    parts.push_back(facility_location(kernel(Metric::Cosine)));
    parts.push_back(log_determinant(kernel(Metric::Cosine), 1.0));
    return mixture(std::move(parts), {0.7, 0.3});
  }
};

template <class T>
class SetFunctionProperties : public ::testing::Test {
 protected:
  std::unique_ptr<SetFunction> f = T::make();
  static double tol(double scale) { return 1e-4 * std::max(1.0, std::fabs(scale)); }
  // A random subset of size m (distinct), drawn with rng.
  std::vector<Index> random_set(Rng& rng, Index m) {
    auto s = rng.sample_without_replacement(f->size(), m);
    return {s.begin(), s.end()};
  }
  void load(const std::vector<Index>& s) {
    f->reset();
    for (Index i : s) f->add(i);
  }
};

using AllFunctions =
    ::testing::Types<FacilityLocationDense, FacilityLocationSparse, FacilityLocationEuclidean, GraphCutMonotone,
                     GraphCutNonMonotone, LogDeterminant, LogDeterminantSmallReg, DisparitySum, DisparityMin,
                     FeatureSqrt, FeatureLog, FeatureInverse, SaturatedCoverage, SetCover, ProbSetCover, Mixture>;
TYPED_TEST_SUITE(SetFunctionProperties, AllFunctions);

TYPED_TEST(SetFunctionProperties, EmptySetIsZero) {
  EXPECT_EQ(this->f->evaluate({}), 0.0);
  EXPECT_EQ(this->f->value(), 0.0);
}

TYPED_TEST(SetFunctionProperties, MemoizedGainEqualsDifferenceOfEvaluations) {
  Rng rng(1234);
  for (int trial = 0; trial < 40; ++trial) {
    const Index m = static_cast<Index>(rng.uniform(12));
    auto s = this->random_set(rng, m + 1);
    const Index i = s.back();
    s.pop_back();
    this->load(s);
    auto si = s;
    si.push_back(i);
    const double expected = this->f->evaluate(si) - this->f->evaluate(s);
    EXPECT_NEAR(this->f->gain(i), expected, this->tol(this->f->evaluate(si)))
        << "trial " << trial << " |S|=" << s.size() << " i=" << i;
  }
}

TYPED_TEST(SetFunctionProperties, BatchedGainsEqualSingleGains) {
  Rng rng(5);
  this->load(this->random_set(rng, 5));
  std::vector<Index> cand;
  for (Index i = 0; i < this->f->size(); ++i)
    if (!this->f->contains(i)) cand.push_back(i);
  std::vector<double> g(cand.size());
  this->f->gains(cand.data(), static_cast<Index>(cand.size()), g.data());
  for (std::size_t t = 0; t < cand.size(); ++t) EXPECT_EQ(g[t], this->f->gain(cand[t]));
}

TYPED_TEST(SetFunctionProperties, ValueTracksEvaluate) {
  Rng rng(99);
  const auto s = this->random_set(rng, 10);
  this->load(s);
  EXPECT_NEAR(this->f->value(), this->f->evaluate(s), this->tol(this->f->value()));
  this->f->reset();
  EXPECT_TRUE(this->f->selected().empty());
  EXPECT_EQ(this->f->value(), 0.0);
  // After reset the memo is the empty set's again.
  this->f->add(s[0]);
  EXPECT_NEAR(this->f->value(), this->f->evaluate({s[0]}), this->tol(this->f->value()));
}

TYPED_TEST(SetFunctionProperties, DiminishingReturnsWhereClaimed) {
  if (!this->f->traits().submodular) GTEST_SKIP() << this->f->name() << " does not claim submodularity";
  Rng rng(77);
  for (int trial = 0; trial < 40; ++trial) {
    auto b = this->random_set(rng, 2 + static_cast<Index>(rng.uniform(12)));
    const Index i = b.back();
    b.pop_back();
    const std::vector<Index> a(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(rng.uniform(b.size() + 1)));
    this->load(a);
    const double ga = this->f->gain(i);
    this->load(b);
    const double gb = this->f->gain(i);
    EXPECT_GE(ga, gb - this->tol(ga)) << "trial " << trial << ": |A|=" << a.size() << " |B|=" << b.size();
  }
}

TYPED_TEST(SetFunctionProperties, NonNegativeGainsWhereMonotone) {
  if (!this->f->traits().monotone) GTEST_SKIP() << this->f->name() << " does not claim monotonicity";
  Rng rng(31);
  for (int trial = 0; trial < 20; ++trial) {
    auto s = this->random_set(rng, 1 + static_cast<Index>(rng.uniform(15)));
    this->load(s);
    for (Index i = 0; i < this->f->size(); ++i)
      if (!this->f->contains(i)) {
        EXPECT_GE(this->f->gain(i), -1e-9) << "i=" << i;
      }
  }
}

// The claims that are "false" are true claims too: the suite must be able to see the property fail.
TEST(SetFunctionClaims, DisparitySumIsSupermodular) {
  auto f = disparity_sum(kernel(Metric::Cosine));
  f->add(0);
  const double g_small = f->gain(5);
  f->add(1);
  EXPECT_GT(f->gain(5), g_small);
}

TEST(SetFunctionClaims, GraphCutWithLargeLambdaIsNotMonotone) {
  auto f = graph_cut(kernel(Metric::Cosine), 0.9);
  EXPECT_FALSE(f->traits().monotone);
  for (Index i = 0; i < 20; ++i) f->add(i);
  double min_gain = 0.0;
  for (Index i = 20; i < kN; ++i) min_gain = std::min(min_gain, f->gain(i));
  EXPECT_LT(min_gain, 0.0);
}

TEST(SetFunctionErrors, RefusesUnsuitableKernelsAndFeatures) {
  Matrix x = test::blobs(10, 3, 2, 1);
  for (Index t = 0; t < 3; ++t) x(1, t) = -x(0, t);  // opposite rows: a negative dot product
  auto dot = std::make_shared<const DenseKernel>(make_dense_kernel(x.view(), {Metric::Dot, 0.1}));
  auto euclid = std::make_shared<const DenseKernel>(make_dense_kernel(x.view(), {Metric::Euclidean, 0.1}));
  EXPECT_CORDS_ERROR(facility_location(dot), InvalidArgument);
  EXPECT_CORDS_ERROR(graph_cut(dot, 0.4), InvalidArgument);
  EXPECT_CORDS_ERROR(log_determinant(euclid, 1.0), InvalidArgument);
  EXPECT_CORDS_ERROR(feature_based(x.view(), Concave::Sqrt), InvalidArgument);  // blobs have negative entries
  Matrix big = test::uniform(5, 3, 2, 0.0, 2.0);
  EXPECT_CORDS_ERROR(probabilistic_set_cover(big.view()), InvalidArgument);
  try {
    facility_location(dot);
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::InvalidArgument);
    EXPECT_NE(std::string(e.what()).find("non-negative"), std::string::npos);
  }
}

TEST(SetFunctionErrors, AddingTwiceIsABrokenPrecondition) {
  auto f = facility_location(kernel(Metric::Cosine));
  f->add(3);
  EXPECT_CORDS_ERROR(f->add(3), Internal);
  EXPECT_CORDS_ERROR(f->add(kN), Internal);
}

TEST(KnownAnswers, FacilityLocationOnAHandMadeKernel) {
  // Two tight pairs far apart: {0,1} and {2,3}.
  Matrix s(4, 4);
  const float v[4][4] = {{1, .9f, .1f, .1f}, {.9f, 1, .1f, .1f}, {.1f, .1f, 1, .8f}, {.1f, .1f, .8f, 1}};
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j) s(i, j) = v[i][j];
  auto k = std::make_shared<const DenseKernel>(std::move(s), Metric::Cosine);
  auto f = facility_location(k);
  EXPECT_NEAR(f->evaluate({0}), 1 + .9 + .1 + .1, 1e-6);
  EXPECT_NEAR(f->evaluate({0, 2}), 1 + .9 + 1 + .8, 1e-6);
  f->add(0);
  EXPECT_NEAR(f->gain(2), (1 - .1) + (.8 - .1), 1e-6);
  EXPECT_NEAR(f->gain(1), 0.1, 1e-6);  // only itself gains: 1 - 0.9
}

}  // namespace
}  // namespace cords::select
