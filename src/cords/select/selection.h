#pragma once
// One call from a feature matrix to a selection: builds the kernel the function needs, the function and the
// optimizer, resolves the budget, and runs it whole, per group (a budget per partition), or under a cost budget.
// This is what `cords-summarize select`, the video summarizer and the trainer call.
#include <cstdint>
#include <string>
#include <vector>

#include "cords/select/budget.h"
#include "cords/select/registry.h"

namespace cords::select {

struct SelectionConfig {
  std::string function = "facility-location";  ///< a registry name or a weighted mixture (registry.h)
  FunctionParams params;
  KernelOptions kernel;    ///< metric (default cosine) and rbf width
  Index knn = 0;           ///< > 0: sparse kNN kernel with this many neighbours
  KnnOptions knn_options;  ///< method (auto/exact/ivf), IVF lists and probes, seed
  std::string optimizer = "lazy";
  Budget budget;         ///< a count or a fraction of the rows (automatic: refused, except with costs: no cap)
  GreedyOptions greedy;  ///< stopping rules, epsilon, seed
  /// m x d features of a represented set other than the ground set (facility location: f(S) = sum over the m
  /// represented elements of their best similarity in S); empty = the ground set. A view: the data must outlive
  /// run_selection. With kernel.metric Precomputed, x is the similarity itself (n x n, or n x m ground x represented).
  MatrixView represented;
};

struct GroupResult {
  std::int64_t label = 0;
  Index size = 0;      ///< elements in the group
  Index budget = 0;    ///< elements the group was allotted
  Index selected = 0;  ///< elements it got (fewer if a stopping rule ended it early)
  double objective = 0.0;
};

struct SelectionReport {
  Selection selection;   ///< indices into the full matrix, gains, objective, evaluations
  std::string function;  ///< the function's name
  FunctionTraits traits;
  Index n = 0;
  Index budget = 0;
  std::vector<GroupResult> groups;  ///< per group, sorted by label (empty when ungrouped)
  double kernel_seconds = 0.0;
  double optimize_seconds = 0.0;
  std::size_t kernel_bytes = 0;
  bool used_knn = false;
  KnnStats knn;  ///< valid when used_knn
};

/// Caps the threads used by kernel construction and gain sweeps (OpenMP and the BLAS pool). 0 = all cores.
/// Process-wide: for the application to call (the CLI and the Python module do, once per command or call); the
/// library itself never calls it. Calling it also hands the BLAS pool's size to the library: a kNN scan then holds
/// the pool at one thread while OpenMP threads run its many small products, and restores it. In a program that has
/// not called it, the library leaves the pool alone and runs those products one after another on the BLAS's threads.
void set_threads(int threads);

/// Splits k over groups in proportion to their sizes (largest remainder), each capped at its size and, when
/// k >= number of groups, each at least 1. The result sums to min(k, total size).
std::vector<Index> apportion(const std::vector<Index>& sizes, Index k);

/// Runs the selection described by cfg on x (n x d). groups: n labels for per-group selection (each group gets
/// its own function over its own elements; the objective is the sum over groups). costs: n positive costs,
/// with cost_budget > 0, for cost-aware greedy (cfg.budget, unless automatic, then caps the count).
SelectionReport run_selection(MatrixView x, const SelectionConfig& cfg,
                              const std::vector<std::int64_t>* groups = nullptr,
                              const std::vector<double>* costs = nullptr, double cost_budget = 0.0);

}  // namespace cords::select
