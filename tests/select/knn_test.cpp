#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "../support/error_matchers.h"
#include "cords/core/error.h"
#include "cords/select/functions.h"
#include "cords/select/gemm.h"
#include "cords/select/kernel.h"
#include "test_data.h"

namespace cords::select {
namespace {

TEST(Knn, ExactSearchMatchesBruteForce) {
  Matrix x = test::blobs(300, 7, 6, 3);
  const DenseKernel dense = make_dense_kernel(x.view(), {Metric::Cosine, 0.1});
  KnnOptions o;
  o.k = 6;
  o.method = KnnMethod::Exact;
  std::vector<float> sims;
  const auto nb = knn_search(x.view(), o, sims);
  for (Index j = 0; j < 300; ++j) {
    EXPECT_EQ(nb[static_cast<std::size_t>(j * 6)], j) << "self comes first";
    std::vector<std::pair<float, Index>> all;
    for (Index i = 0; i < 300; ++i)
      if (i != j) all.emplace_back(dense(j, i), i);
    std::sort(all.begin(), all.end(), [](auto& a, auto& b) { return a.first > b.first; });
    for (Index t = 1; t < 6; ++t) {
      EXPECT_NEAR(sims[static_cast<std::size_t>(j * 6 + t)], all[static_cast<std::size_t>(t - 1)].first, 1e-5);
      EXPECT_NEAR(sims[static_cast<std::size_t>(j * 6 + t)], dense(j, nb[static_cast<std::size_t>(j * 6 + t)]), 1e-5);
    }
  }
}

TEST(Knn, RbfSimilaritiesMatchTheDenseKernel) {
  Matrix x = test::blobs(120, 5, 4, 8);
  const DenseKernel dense = make_dense_kernel(x.view(), {Metric::Rbf, 0.2});
  KnnOptions o;
  o.k = 4;
  o.metric = Metric::Rbf;
  o.rbf_kw = 0.2;
  std::vector<float> sims;
  const auto nb = knn_search(x.view(), o, sims);
  for (Index j = 0; j < 120; ++j)
    for (Index t = 0; t < 4; ++t)
      EXPECT_NEAR(sims[static_cast<std::size_t>(j * 4 + t)], dense(j, nb[static_cast<std::size_t>(j * 4 + t)]), 2e-4);
}

TEST(Knn, IvfHasHighRecallOnClusteredDataAndReportsIt) {
  Matrix x = test::blobs(20000, 16, 50, 5);
  KnnOptions o;
  o.k = 10;
  o.method = KnnMethod::Ivf;
  o.recall_queries = 300;
  KnnStats stats;
  std::vector<float> sims;
  knn_search(x.view(), o, sims, &stats);
  EXPECT_FALSE(stats.exact);
  EXPECT_GT(stats.recall, 0.9);
  EXPECT_LE(stats.recall, 1.0);
}

TEST(Knn, TheSameNeighboursWhetherOrNotTheApplicationHandedOverTheBlasPool) {
  // Handed over (set_threads): blocks on OpenMP threads, the BLAS held at one thread; not: one product at a time on
  // the BLAS's own threads, which the library leaves as they are.
  Matrix x = test::blobs(6000, 12, 20, 9);
  for (const KnnMethod method : {KnnMethod::Exact, KnnMethod::Ivf}) {
    KnnOptions o;
    o.k = 8;
    o.method = method;
    o.recall_queries = 0;
    std::vector<float> sims_a, sims_b;
    detail::hand_over_blas_pool(false);
    const int pool = detail::gemm_threads();
    const auto a = knn_search(x.view(), o, sims_a);
    EXPECT_EQ(detail::gemm_threads(), pool);
    detail::hand_over_blas_pool(true);
    const auto b = knn_search(x.view(), o, sims_b);
    detail::hand_over_blas_pool(false);
    EXPECT_EQ(detail::gemm_threads(), pool) << "restored";
    EXPECT_EQ(a, b);
    ASSERT_EQ(sims_a.size(), sims_b.size());
    for (std::size_t i = 0; i < sims_a.size(); ++i) EXPECT_FLOAT_EQ(sims_a[i], sims_b[i]);
  }
}

TEST(Knn, SparseFacilityLocationWithAllNeighboursEqualsDense) {
  Matrix x = test::blobs(40, 4, 3, 2);
  KnnOptions o;
  o.k = 40;
  auto sparse = facility_location(std::make_shared<const SparseKernel>(make_knn_kernel(x.view(), o)));
  auto dense =
      facility_location(std::make_shared<const DenseKernel>(make_dense_kernel(x.view(), {Metric::Cosine, 0.1})));
  for (const std::vector<Index>& s : {std::vector<Index>{0}, {3, 17, 29}, {1, 2, 5, 8, 13, 21, 34}})
    EXPECT_NEAR(sparse->evaluate(s), dense->evaluate(s), 1e-4);
}

TEST(Knn, RefusesEuclideanAndBadK) {
  Matrix x = test::blobs(20, 3, 2, 1);
  KnnOptions o;
  o.metric = Metric::Euclidean;
  std::vector<float> sims;
  EXPECT_CORDS_ERROR(knn_search(x.view(), o, sims), InvalidArgument);
  o.metric = Metric::Cosine;
  o.k = 0;
  EXPECT_CORDS_ERROR(knn_search(x.view(), o, sims), InvalidArgument);
  o.k = 100;  // more than n: clamps to n
  const auto nb = knn_search(x.view(), o, sims);
  EXPECT_EQ(nb.size(), 20u * 20u);
}

}  // namespace
}  // namespace cords::select
