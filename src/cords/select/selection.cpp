#include "cords/select/selection.h"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <map>
#include <numeric>

#include "cords/core/error.h"
#include "cords/core/timer.h"
#include "cords/select/gemm.h"

namespace cords::select {

namespace detail {
namespace {
std::atomic<bool> g_blas_pool_handed_over{false};
}  // namespace
bool blas_pool_handed_over() {
  return g_blas_pool_handed_over.load(std::memory_order_relaxed);
}
void hand_over_blas_pool(bool handed_over) {
  g_blas_pool_handed_over.store(handed_over, std::memory_order_relaxed);
}
}  // namespace detail

void set_threads(int threads) {
  // At most the processors there are: libgomp aborts or crashes when asked for tens of thousands of threads.
  const int t = threads > 0 ? std::min(threads, omp_get_num_procs()) : omp_get_num_procs();
  omp_set_num_threads(t);
  detail::set_gemm_threads(t);
  detail::hand_over_blas_pool();
}

std::vector<Index> apportion(const std::vector<Index>& sizes, Index k) {
  const Index g = static_cast<Index>(sizes.size());
  const Index total = std::accumulate(sizes.begin(), sizes.end(), Index{0});
  k = std::min(k, total);
  std::vector<Index> out(sizes.size(), 0);
  if (g == 0 || k == 0) return out;
  std::vector<double> quota(sizes.size());
  for (Index t = 0; t < g; ++t) {
    const auto u = static_cast<std::size_t>(t);
    quota[u] = static_cast<double>(k) * static_cast<double>(sizes[u]) / static_cast<double>(total);
    out[u] = std::min(sizes[u], static_cast<Index>(std::floor(quota[u])));
    if (k >= g) out[u] = std::max<Index>(out[u], std::min<Index>(1, sizes[u]));
  }
  Index sum = std::accumulate(out.begin(), out.end(), Index{0});
  while (sum < k) {  // largest shortfall first, lowest index on ties
    Index best = -1;
    for (Index t = 0; t < g; ++t) {
      const auto u = static_cast<std::size_t>(t);
      if (out[u] >= sizes[u]) continue;
      if (best < 0 || quota[u] - out[u] > quota[static_cast<std::size_t>(best)] - out[static_cast<std::size_t>(best)])
        best = t;
    }
    ++out[static_cast<std::size_t>(best)];
    ++sum;
  }
  while (sum > k) {  // only after the at-least-one rule: take from the largest excess
    Index best = -1;
    for (Index t = 0; t < g; ++t) {
      const auto u = static_cast<std::size_t>(t);
      if (out[u] <= 1) continue;
      if (best < 0 || out[u] - quota[u] > out[static_cast<std::size_t>(best)] - quota[static_cast<std::size_t>(best)])
        best = t;
    }
    --out[static_cast<std::size_t>(best)];
    --sum;
  }
  return out;
}

namespace {

Selection optimize(SetFunction& f, const Optimizer& opt, const SelectionConfig& cfg, Index k,
                   const std::vector<double>* costs, double cost_budget) {
  Selection s = costs ? cost_aware_greedy(f, *costs, cost_budget, k, cfg.greedy) : opt.maximize(f, k, cfg.greedy);
  // Finite features can still give similarities that overflow or vanish in float (all values 1e-45 under cosine,
  // 1e30 under euclidean): a selection scored by NaN means nothing, so it is refused rather than written.
  bool finite = std::isfinite(s.objective);
  for (double g : s.gains) finite = finite && std::isfinite(g);
  if (!finite)
    throw invalid_argument(std::string("the ") + f.name() +
                           " values of these features are not finite numbers: their similarities overflow or "
                           "underflow float (values near 1e-38 or 1e19 and beyond); scale the features (e.g. to unit "
                           "variance) and select again");
  return s;
}

// Per group: the budget apportioned to the groups by size, each group's rows selected on their own kernel; the
// selection holds indices into all rows, group after group.
void select_per_group(MatrixView x, const SelectionConfig& cfg, const Optimizer& opt,
                      const std::vector<std::int64_t>& groups, SelectionReport& rep) {
  const Index n = x.rows;
  if (static_cast<Index>(groups.size()) != n)
    throw invalid_argument("need one group label per element: " + std::to_string(groups.size()) + " labels for " +
                           std::to_string(n) + " rows");
  std::map<std::int64_t, std::vector<Index>> members;
  for (Index i = 0; i < n; ++i) members[groups[static_cast<std::size_t>(i)]].push_back(i);
  std::vector<Index> sizes;
  for (auto& [label, m] : members) sizes.push_back(static_cast<Index>(m.size()));
  const std::vector<Index> quota = apportion(sizes, rep.budget);

  std::size_t g = 0;
  for (auto& [label, m] : members) {
    GroupResult gr{label, static_cast<Index>(m.size()), quota[g++], 0, 0.0};
    if (gr.budget > 0) {
      Matrix sub(gr.size, x.cols);
      for (Index t = 0; t < gr.size; ++t) std::copy_n(x.row(m[static_cast<std::size_t>(t)]), x.cols, sub.row(t));
      FunctionInputs in(sub.view(), cfg.kernel, std::min(cfg.knn, gr.size), cfg.knn_options);
      auto f = make_function(cfg.function, in, cfg.params);
      rep.kernel_seconds += in.kernel_seconds();
      rep.kernel_bytes = std::max(rep.kernel_bytes, in.kernel_bytes());
      if (rep.function.empty()) {
        rep.function = f->name();
        rep.traits = f->traits();
      }
      Stopwatch sw;
      Selection s = optimize(*f, opt, cfg, gr.budget, nullptr, 0.0);
      rep.optimize_seconds += sw.seconds();
      for (std::size_t t = 0; t < s.selected.size(); ++t) {
        rep.selection.selected.push_back(m[static_cast<std::size_t>(s.selected[t])]);
        rep.selection.gains.push_back(s.gains[t]);
      }
      rep.selection.objective += s.objective;
      rep.selection.evaluations += s.evaluations;
      gr.selected = static_cast<Index>(s.selected.size());
      gr.objective = s.objective;
    }
    rep.groups.push_back(gr);
  }
}

}  // namespace

SelectionReport run_selection(MatrixView x, const SelectionConfig& cfg, const std::vector<std::int64_t>* groups,
                              const std::vector<double>* costs, double cost_budget) {
  const Index n = x.rows;
  if (n <= 0 || x.cols <= 0) throw invalid_argument("the feature matrix is empty");
  const std::unique_ptr<Optimizer> opt = make_optimizer(cfg.optimizer);  // (a bad name fails before any work)
  SelectionReport rep;
  rep.n = n;
  rep.used_knn = cfg.knn > 0;
  if (costs) {
    if (groups) throw invalid_argument("cost-aware selection cannot be combined with groups");
    rep.budget = cfg.budget.cap(n);
  } else {
    rep.budget = cfg.budget.resolve(n);
  }

  const bool precomputed = cfg.kernel.metric == Metric::Precomputed;
  if (groups && (precomputed || cfg.represented.rows > 0))
    throw invalid_argument(
        "per-group selection splits the rows of a feature matrix: it cannot be combined with a "
        "represented set or a precomputed similarity");
  if (cfg.knn > 0 && cfg.represented.rows > 0)
    throw invalid_argument("a represented set runs on the dense kernel: drop the kNN kernel (knn)");
  if (!groups) {
    FunctionInputs in(x, cfg.kernel, cfg.knn, cfg.knn_options, cfg.represented);
    auto f = make_function(cfg.function, in, cfg.params);
    rep.kernel_seconds = in.kernel_seconds();
    rep.kernel_bytes = in.kernel_bytes();
    rep.knn = in.knn_stats();
    rep.function = f->name();
    rep.traits = f->traits();
    Stopwatch sw;
    rep.selection = optimize(*f, *opt, cfg, rep.budget, costs, cost_budget);
    rep.optimize_seconds = sw.seconds();
    return rep;
  }

  select_per_group(x, cfg, *opt, *groups, rep);
  return rep;
}

}  // namespace cords::select
