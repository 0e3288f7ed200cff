// The training strategies on tiny synthetic data: budgets, per-class proportions, whole batches, weights, and
// non-negative OMP against brute-force non-negative least squares.
#include "cords/train/strategies.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "../support/error_matchers.h"
#include "cords/core/error.h"
#include "cords/core/rng.h"

namespace cords::train {
namespace {

// n examples of `classes` classes (sizes given), d-dimensional "gradients": class centre + noise, so that each
// class has `blobs` clusters.
Gradients synthetic(const std::vector<std::int64_t>& sizes, std::int64_t d, std::uint64_t seed, int blobs = 3) {
  Rng rng(seed);
  std::vector<float> g;
  std::vector<std::int64_t> y;
  for (std::size_t c = 0; c < sizes.size(); ++c) {
    std::vector<std::vector<double>> centres(static_cast<std::size_t>(blobs),
                                             std::vector<double>(static_cast<std::size_t>(d)));
    for (auto& ce : centres)
      for (auto& v : ce) v = 5 * rng.normal();
    for (std::int64_t i = 0; i < sizes[c]; ++i) {
      const auto& ce = centres[static_cast<std::size_t>(i % blobs)];
      for (std::int64_t t = 0; t < d; ++t)
        g.push_back(static_cast<float>(ce[static_cast<std::size_t>(t)] + 0.1 * rng.normal()));
      y.push_back(static_cast<std::int64_t>(c));
    }
  }
  // Shuffle the examples so classes interleave (as in a real train order).
  const auto n = static_cast<std::int64_t>(y.size());
  const auto perm = rng.sample_without_replacement(n, n);
  Gradients out;
  at::Tensor all = at::from_blob(g.data(), {n, d}, at::kFloat).clone();
  at::Tensor ys = at::tensor(y, at::kLong);
  const at::Tensor p = at::tensor(perm, at::kLong);
  out.g = all.index_select(0, p).contiguous();
  out.y = ys.index_select(0, p).contiguous();
  out.classes = static_cast<int>(sizes.size());
  out.emb_dim = 1;
  return out;
}

Gradients per_batch_of(const Gradients& g, std::int64_t batch) {
  Gradients b = g;
  std::vector<at::Tensor> rows;
  for (std::int64_t s = 0; s < g.examples(); s += batch)
    rows.push_back(g.g.narrow(0, s, std::min(batch, g.examples() - s)).mean(0, true));
  b.g = at::cat(rows);
  b.per_batch = true;
  b.batch = batch;
  return b;
}

std::map<std::int64_t, std::int64_t> per_class(const Subset& s, const at::Tensor& y) {
  std::map<std::int64_t, std::int64_t> m;
  for (auto i : s.indices) ++m[y[i].item<std::int64_t>()];
  return m;
}

void expect_valid(const Subset& s, std::int64_t n) {
  ASSERT_EQ(s.indices.size(), s.weights.size());
  std::set<std::int64_t> u(s.indices.begin(), s.indices.end());
  EXPECT_EQ(u.size(), s.indices.size()) << "indices must be distinct";
  for (auto i : s.indices) {
    EXPECT_GE(i, 0);
    EXPECT_LT(i, n);
  }
  for (float w : s.weights) EXPECT_GT(w, 0.0f);
}

TEST(Budget, FractionOfTheTrainSetAtLeastOne) {
  EXPECT_EQ(budget_of(54000, 0.1), 5400);
  EXPECT_EQ(budget_of(10, 0.01), 1);
  EXPECT_CORDS_ERROR(budget_of(10, 0.0), InvalidArgument);
  EXPECT_CORDS_ERROR(budget_of(10, 1.5), InvalidArgument);
}

TEST(RandomSubset, SizeDistinctUnitWeightsSeeded) {
  const Subset a = random_subset(100, 17, 5), b = random_subset(100, 17, 5), c = random_subset(100, 17, 6);
  expect_valid(a, 100);
  EXPECT_EQ(a.indices.size(), 17u);
  EXPECT_EQ(a.indices, b.indices);
  EXPECT_NE(a.indices, c.indices);
  for (float w : a.weights) EXPECT_EQ(w, 1.0f);
}

TEST(Craig, PerClassBudgetsAreProportionalAndWeightsAreClusterSizes) {
  const Gradients g = synthetic({60, 30, 10}, 4, 1);
  const Subset s = craig(g, 20, Mode::PerClass);
  expect_valid(s, g.examples());
  const auto pc = per_class(s, g.y);
  EXPECT_EQ(pc.at(0), 12);
  EXPECT_EQ(pc.at(1), 6);
  EXPECT_EQ(pc.at(2), 2);
  std::map<std::int64_t, double> wsum;
  for (std::size_t t = 0; t < s.indices.size(); ++t) wsum[g.y[s.indices[t]].item<std::int64_t>()] += s.weights[t];
  EXPECT_DOUBLE_EQ(wsum[0], 60);  // every example is in exactly one cluster of its class
  EXPECT_DOUBLE_EQ(wsum[1], 30);
  EXPECT_DOUBLE_EQ(wsum[2], 10);
}

TEST(Craig, KnownAnswerOneMedoidPerCluster) {
  // Each class has 3 tight clusters; with 3 per class, facility location must take one from each.
  const Gradients g = synthetic({30, 30}, 5, 2, 3);
  const Subset s = craig(g, 6, Mode::PerClass);
  for (std::size_t t = 0; t < s.indices.size(); ++t) {
    EXPECT_FLOAT_EQ(s.weights[t], 10.0f) << "each cluster has 10 members";
  }
}

TEST(Craig, PerBatchChoosesWholeBatchesSharingTheirWeight) {
  const Gradients g = per_batch_of(synthetic({50, 50}, 3, 3), 10);
  const Subset s = craig(g, 25, Mode::PerBatch);  // ceil(25 / 10) = 3 batches
  expect_valid(s, 100);
  ASSERT_EQ(s.indices.size(), 30u);
  std::map<std::int64_t, std::set<float>> by_batch;
  for (std::size_t t = 0; t < s.indices.size(); ++t) by_batch[s.indices[t] / 10].insert(s.weights[t]);
  EXPECT_EQ(by_batch.size(), 3u);
  double total = 0;
  for (auto& [b, ws] : by_batch) {
    EXPECT_EQ(ws.size(), 1u) << "one weight per batch";
    total += *ws.begin();
  }
  EXPECT_DOUBLE_EQ(total, 10.0) << "cluster sizes of batches sum to the number of batches";
  EXPECT_CORDS_ERROR(craig(synthetic({5, 5}, 2, 1), 2, Mode::PerBatch), InvalidArgument)
      << "per-batch needs batch gradients";
}

TEST(GradMatch, PerClassBudgetsPositiveWeightsAndTopUp) {
  const Gradients g = synthetic({40, 20}, 6, 4);
  const Subset s = gradmatch(g, 12, Mode::PerClass, 0.5, 1);
  expect_valid(s, g.examples());
  const auto pc = per_class(s, g.y);
  EXPECT_EQ(pc.at(0), 8);  // OMP atoms plus random top-up at weight 1, per class
  EXPECT_EQ(pc.at(1), 4);
  EXPECT_EQ(gradmatch(g, 12, Mode::PerClass, 0.5, 1).indices, s.indices) << "seeded";
  EXPECT_CORDS_ERROR(gradmatch(g, 12, Mode::PerClassPerGradient, 0.5, 1), InvalidArgument)
      << "needs the linear-layer gradients";
}

TEST(GradMatch, PerClassPerGradientUsesTheClassOwnParameters) {
  Gradients g = synthetic({20, 20}, 2 + 2 * 3, 5);  // C = 2, D = 3: d = C + C*D = 8
  g.linear = true;
  g.emb_dim = 3;
  const Subset s = gradmatch(g, 8, Mode::PerClassPerGradient, 0.5, 2);
  expect_valid(s, 40);
  EXPECT_EQ(per_class(s, g.y).at(0), 4);
  EXPECT_EQ(per_class(s, g.y).at(1), 4);
}

TEST(GradMatch, PerBatchWholeBatches) {
  const Gradients g = per_batch_of(synthetic({45, 45}, 4, 6), 10);  // 9 batches
  const Subset s = gradmatch(g, 30, Mode::PerBatch, 0.0, 3);        // 3 batches
  expect_valid(s, 90);
  std::set<std::int64_t> batches;
  for (auto i : s.indices) batches.insert(i / 10);
  EXPECT_EQ(batches.size(), 3u);
  EXPECT_EQ(s.indices.size(), 30u);
}

TEST(Glister, BudgetUnitWeightsPerClassAndSeeded) {
  const Gradients g = synthetic({30, 20, 10}, 3, 7);  // d = C = 3: bias gradients only
  ValState v;
  v.logits = at::randn({12, 3}, at::TensorOptions().dtype(at::kFloat));
  v.emb = at::randn({12, 4});
  v.y = at::tensor(std::vector<std::int64_t>{0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2}, at::kLong);
  Gradients gg = g;
  gg.emb_dim = 4;
  const Subset whole = glister(gg, v, 12, Mode::Whole, 0.05, 9);
  expect_valid(whole, 60);
  EXPECT_EQ(whole.indices.size(), 12u);
  for (float w : whole.weights) EXPECT_EQ(w, 1.0f) << "GLISTER is unweighted";
  EXPECT_EQ(glister(gg, v, 12, Mode::Whole, 0.05, 9).indices, whole.indices);
  const Subset pc = glister(gg, v, 12, Mode::PerClass, 0.05, 9);
  EXPECT_EQ(per_class(pc, g.y).at(0), 6);
  EXPECT_EQ(per_class(pc, g.y).at(1), 4);
  EXPECT_EQ(per_class(pc, g.y).at(2), 2);
}

TEST(Glister, GreedyPicksTheExampleAlignedWithTheValidationGradient) {
  // Two candidates: one whose gradient equals the validation gradient's direction, one opposite. With k = 1 and
  // every candidate sampled (n / k ln 100 > n), the aligned one wins.
  Gradients g;
  g.classes = 2;
  g.emb_dim = 1;
  g.y = at::tensor(std::vector<std::int64_t>{0, 1}, at::kLong);
  ValState v;
  v.logits = at::zeros({4, 2});
  v.emb = at::zeros({4, 1});
  v.y = at::tensor(std::vector<std::int64_t>{0, 0, 0, 0}, at::kLong);  // grad of val loss wrt logits: (-0.5, 0.5)
  g.g = at::tensor(std::vector<float>{-1, 1, 1, -1}).view({2, 2});
  EXPECT_EQ(glister(g, v, 1, Mode::Whole, 0.1, 0).indices, std::vector<std::int64_t>{0});
}

TEST(Glister, FactorisedGreedyEqualsTheDirectEvaluation) {
  // The bias-only fast path (factorised softmax) against the direct ATen evaluation: the same picks, for small and
  // large steps, and for logits extreme enough that the factorised form underflows and falls back row by row.
  at::manual_seed(5);
  const int C = 6;
  const at::Tensor rows = at::randn({240, C});
  const at::Tensor vy = at::randint(0, C, {90}, at::kLong);
  const at::Tensor vemb = at::randn({90, 3});
  for (const double scale : {1.0, 400.0}) {
    const at::Tensor vlogits = at::randn({90, C}) * scale;
    for (const double eta : {0.05, 5.0}) {
      const auto fast = glister_greedy(rows, vlogits, vemb, vy, C, false, 30, eta, 11, false);
      const auto direct = glister_greedy(rows, vlogits, vemb, vy, C, false, 30, eta, 11, true);
      EXPECT_EQ(fast.size(), 30u);
      EXPECT_EQ(fast, direct) << "scale " << scale << ", eta " << eta;
    }
  }
}

TEST(FaclocEmbed, OneRepresentativePerClusterPerClass) {
  const Gradients g = synthetic({30, 30}, 8, 8, 3);
  const Subset s = facloc_embed(g.g, g.y, 2, 6);
  expect_valid(s, 60);
  EXPECT_EQ(per_class(s, g.y).at(0), 3);
  EXPECT_EQ(per_class(s, g.y).at(1), 3);
  // The three chosen of each class lie in three different clusters (pairwise far apart).
  for (std::int64_t c = 0; c < 2; ++c) {
    std::vector<at::Tensor> rows;
    for (auto i : s.indices)
      if (g.y[i].item<std::int64_t>() == c) rows.push_back(g.g[i]);
    for (std::size_t a = 0; a < rows.size(); ++a)
      for (std::size_t b = a + 1; b < rows.size(); ++b) EXPECT_GT((rows[a] - rows[b]).norm().item<double>(), 1.0);
  }
}

// ---- non-negative OMP -------------------------------------------------------------------------------------------

// Brute-force NNLS with at most `nnz` atoms: every support, least squares (normal equations, double), keep the
// non-negative solutions, return the smallest residual.
double brute_force_nnls(const at::Tensor& a, const at::Tensor& b, std::int64_t nnz) {
  const std::int64_t n = a.size(0);
  double best = b.norm().item<double>();
  for (std::int64_t mask = 1; mask < (1 << n); ++mask) {
    std::vector<std::int64_t> s;
    for (std::int64_t j = 0; j < n; ++j)
      if (mask & (1 << j)) s.push_back(j);
    if (static_cast<std::int64_t>(s.size()) > nnz) continue;
    const at::Tensor as = a.index_select(0, at::tensor(s, at::kLong)).to(at::kDouble);
    const at::Tensor gram = as.mm(as.t()), rhs = as.mv(b.to(at::kDouble));
    if (std::fabs(at::det(gram).item<double>()) < 1e-12) continue;
    const at::Tensor x = at::inverse(gram).mv(rhs);
    if (x.min().item<double>() < 0) continue;
    best = std::min(best, (b.to(at::kDouble) - as.t().mv(x)).norm().item<double>());
  }
  return best;
}

TEST(NnOmp, RecoversASparseNonNegativeCombination) {
  at::manual_seed(3);
  const at::Tensor a = at::randn({8, 12}, at::kDouble);
  const at::Tensor b = 2.0 * a[1] + 0.5 * a[4];
  const OmpResult r = nn_omp(a, b, 3, 0.0);
  std::map<std::int64_t, double> got;
  for (std::size_t t = 0; t < r.atoms.size(); ++t) got[r.atoms[t]] = r.coef[t];
  ASSERT_EQ(got.size(), 2u);
  EXPECT_NEAR(got.at(1), 2.0, 1e-9);
  EXPECT_NEAR(got.at(4), 0.5, 1e-9);
  EXPECT_LT(r.residual, 1e-9);
}

TEST(NnOmp, MatchesBruteForceNnlsOnSmallCases) {
  Rng rng(11);
  for (int trial = 0; trial < 25; ++trial) {
    at::manual_seed(100 + trial);
    // An exactly representable target with 2-3 positive coefficients over nearly orthogonal atoms (d = 400:
    // mutual coherence well under 1/(2s - 1), where greedy pursuit provably recovers the support): OMP must reach
    // the brute-force optimum (0).
    const at::Tensor wide = at::randn({7, 400}, at::kDouble);
    at::Tensor w = at::zeros({7}, at::kDouble);
    const auto support = rng.sample_without_replacement(7, 2 + trial % 2);
    for (auto j : support) w[j] = 0.5 + rng.uniform01();
    const at::Tensor b = wide.t().mv(w);
    const OmpResult r = nn_omp(wide, b, 3, 0.0);
    EXPECT_NEAR(r.residual, brute_force_nnls(wide, b, 3), 1e-8) << "trial " << trial;
    const at::Tensor a = at::randn({7, 10}, at::kDouble);
    for (double c : r.coef) EXPECT_GT(c, 0.0);
    // A generic target: OMP's answer is feasible, never better than the optimum, and optimal on its own support.
    const at::Tensor b2 = at::randn({10}, at::kDouble).abs() + a.t().mv(w);
    const OmpResult r2 = nn_omp(a, b2, 3, 0.0);
    const double opt = brute_force_nnls(a, b2, 3);
    EXPECT_GE(r2.residual, opt - 1e-9);
    EXPECT_LE(r2.atoms.size(), 3u);
    if (!r2.atoms.empty()) {
      const at::Tensor as = a.index_select(0, at::tensor(r2.atoms, at::kLong));
      const at::Tensor resid = b2 - as.t().mv(at::tensor(r2.coef, at::kDouble));
      EXPECT_LT(as.mv(resid).abs().max().item<double>(), 1e-7) << "least squares on the support (KKT)";
    }
  }
}

TEST(NnOmp, RidgeShrinksAndNegativeCorrelationStops) {
  at::manual_seed(5);
  const at::Tensor a = at::randn({5, 6}, at::kDouble);
  const at::Tensor b = 1.0 * a[2];
  const OmpResult plain = nn_omp(a, b, 1, 0.0), ridge = nn_omp(a, b, 1, 10.0);
  ASSERT_EQ(plain.atoms, std::vector<std::int64_t>{2});
  ASSERT_EQ(ridge.atoms, std::vector<std::int64_t>{2});
  EXPECT_NEAR(plain.coef[0], 1.0, 1e-12);
  const double norm2 = a[2].dot(a[2]).item<double>();
  EXPECT_NEAR(ridge.coef[0], norm2 / (norm2 + 10.0), 1e-12) << "(a a + lambda)^-1 a b";
  EXPECT_TRUE(nn_omp(a, at::zeros({6}, at::kDouble), 3, 0.0).atoms.empty()) << "zero target";
  EXPECT_CORDS_ERROR(nn_omp(a, at::ones({5}, at::kDouble), 2, 0.0), InvalidArgument) << "wrong target length";
}

}  // namespace
}  // namespace cords::train
