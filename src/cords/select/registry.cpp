#include "cords/select/registry.h"

#include <unistd.h>

#include <cctype>
#include <cmath>
#include <cstdio>

#include "cords/core/error.h"
#include "cords/core/timer.h"

namespace cords::select {

FunctionInputs::FunctionInputs(MatrixView features, KernelOptions kernel, Index knn, KnnOptions knn_options,
                               MatrixView represented)
    : x_(features), represented_(represented), kernel_(kernel), knn_(knn), knn_options_(knn_options) {
  knn_options_.k = knn;
  knn_options_.metric = kernel.metric;
  knn_options_.rbf_kw = kernel.rbf_kw;
}

namespace {
// A dense kernel needs 4 n^2 bytes: refuse up front, with the way out, when that cannot fit in memory.
void check_dense_fits(Index n, Index m) {
  const double need = 4.0 * static_cast<double>(n) * static_cast<double>(m);
  const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGESIZE);
  if (pages <= 0 || page <= 0) return;
  const double have = static_cast<double>(pages) * static_cast<double>(page);
  if (need > 0.9 * have) {
    char msg[160];
    std::snprintf(msg, sizeof msg, "a dense kernel of %lld elements needs %.1f GiB but this machine has %.1f GiB",
                  static_cast<long long>(n), need / (1 << 30), have / (1 << 30));
    throw invalid_argument(std::string(msg) + " of memory; use the sparse kernel (" + param("knn", "16") +
                           ") or select per group (" + param("groups") + ")");
  }
}
}  // namespace

std::shared_ptr<const DenseKernel> FunctionInputs::dense_kernel() {
  if (!dense_) {
    const Index cols = represented_.rows > 0 ? represented_.rows : precomputed() ? x_.cols : x_.rows;
    check_dense_fits(x_.rows, cols);
    Stopwatch sw;
    dense_ = std::make_shared<const DenseKernel>(represented_.rows > 0
                                                     ? make_cross_kernel(x_, represented_, kernel_)
                                                     : make_dense_kernel(x_, kernel_, /*rectangular_ok=*/true));
    kernel_s_ += sw.seconds();
    kernel_bytes_ += static_cast<std::size_t>(x_.rows) * static_cast<std::size_t>(cols) * sizeof(float);
  }
  return dense_;
}

std::shared_ptr<const SparseKernel> FunctionInputs::sparse_kernel() {
  if (!sparse_) {
    Stopwatch sw;
    sparse_ = std::make_shared<const SparseKernel>(make_knn_kernel(x_, knn_options_, &knn_stats_));
    kernel_s_ += sw.seconds();
    kernel_bytes_ += sparse_->nonzeros() * sizeof(SparseKernel::Entry);
  }
  return sparse_;
}

namespace {

std::vector<FunctionInfo> build_functions() {
  return {
      {"facility-location", "sum_j max_{i in S} s_ij: representativeness (monotone submodular)", true, true, true,
       [](FunctionInputs& in, const FunctionParams&) {
         return in.sparse() ? facility_location(in.sparse_kernel()) : facility_location(in.dense_kernel());
       }},
      {"graph-cut", "coverage minus lambda x within-set similarity (submodular; monotone for lambda <= 0.5)", true,
       false, false,
       [](FunctionInputs& in, const FunctionParams& p) { return graph_cut(in.dense_kernel(), p.lambda); }},
      {"log-determinant", "log det(L_S + r I): diversity and quality (submodular; monotone for r >= 1)", true, false,
       false,
       [](FunctionInputs& in, const FunctionParams& p) { return log_determinant(in.dense_kernel(), p.regularizer); }},
      {"disparity-sum", "sum of pairwise distances within S (monotone, not submodular)", true, false, false,
       [](FunctionInputs& in, const FunctionParams&) { return disparity_sum(in.dense_kernel()); }},
      {"disparity-min", "minimum pairwise distance within S (not monotone, not submodular)", true, false, false,
       [](FunctionInputs& in, const FunctionParams&) { return disparity_min(in.dense_kernel()); }},
      {"feature-based", "sum_u g(sum_{i in S} x_iu), g concave, features >= 0 (monotone submodular)", false, false,
       false,
       [](FunctionInputs& in, const FunctionParams& p) {
         return feature_based(in.features(), parse_concave(p.concave));
       }},
      {"saturated-coverage", "sum_j min(coverage of j by S, alpha x total) (monotone submodular)", true, false, false,
       [](FunctionInputs& in, const FunctionParams& p) { return saturated_coverage(in.dense_kernel(), p.alpha); }},
      {"set-cover", "weight of the concepts (features > threshold) covered by S (monotone submodular)", false, false,
       false, [](FunctionInputs& in, const FunctionParams& p) { return set_cover(in.features(), p.threshold); }},
      {"probabilistic-set-cover", "sum_u (1 - prod_{i in S} (1 - x_iu)), features in [0,1] (monotone submodular)",
       false, false, false,
       [](FunctionInputs& in, const FunctionParams&) { return probabilistic_set_cover(in.features()); }},
  };
}

std::vector<OptimizerInfo> build_optimizers() {
  return {
      {"naive", "exact greedy: every gain, every step", naive_greedy},
      {"lazy", "exact greedy with a heap of stale upper bounds (same result as naive, far fewer gains)", lazy_greedy},
      {"stochastic", "best of a random sample of (n/k) ln(1/eps) per step", stochastic_greedy},
      {"lazier-than-lazy", "stochastic greedy whose sample is searched lazily", lazier_than_lazy_greedy},
      {"random", "uniformly random subset (baseline)", random_selection},
  };
}

// "a, b, c": the names of the entries that `keep` accepts (all by default), for help texts and error messages.
template <class Info, class Keep>
std::string names_of(const std::vector<Info>& v, Keep keep) {
  std::string s;
  for (const auto& e : v)
    if (keep(e)) s += (s.empty() ? "" : ", ") + e.name;
  return s;
}
template <class Info>
std::string names_of(const std::vector<Info>& v) {
  return names_of(v, [](const Info&) { return true; });
}

std::string trim(const std::string& s) {
  std::size_t a = 0, b = s.size();
  while (a < b && std::isspace(static_cast<unsigned char>(s[a]))) ++a;
  while (b > a && std::isspace(static_cast<unsigned char>(s[b - 1]))) --b;
  return s.substr(a, b - a);
}

const FunctionInfo& find_function(const std::string& name) {
  for (const auto& f : function_registry())
    if (f.name == name) return f;
  throw invalid_argument("unknown function '" + name + "'; valid functions: " + function_names());
}

// The function's own build, after the checks of what it can be built from.
std::unique_ptr<SetFunction> build(const FunctionInfo& f, FunctionInputs& in, const FunctionParams& p) {
  if (in.precomputed() && !f.uses_kernel)
    throw invalid_argument(f.name + " reads features, not a similarity matrix: metric precomputed works with " +
                           names_of(function_registry(), [](const FunctionInfo& g) { return g.uses_kernel; }));
  if (in.sparse() && f.uses_kernel && !f.supports_knn)
    throw invalid_argument(
        f.name + " does not run on the sparse kNN kernel (" + param("knn") +
        "); functions that do: " + names_of(function_registry(), [](const FunctionInfo& g) { return g.supports_knn; }) +
        "; or drop " + param("knn"));
  if (in.separate_represented() && !f.supports_represented)
    throw invalid_argument(f.name +
                           " is defined on the ground set alone; a represented set (or an n x m precomputed "
                           "similarity) works with " +
                           names_of(function_registry(), [](const FunctionInfo& g) { return g.supports_represented; }));
  return f.make(in, p);
}

}  // namespace

const std::vector<FunctionInfo>& function_registry() {
  static const std::vector<FunctionInfo> r = build_functions();
  return r;
}
const std::vector<OptimizerInfo>& optimizer_registry() {
  static const std::vector<OptimizerInfo> r = build_optimizers();
  return r;
}
std::string function_names() {
  return names_of(function_registry());
}
std::string optimizer_names() {
  return names_of(optimizer_registry());
}

namespace {

// "0.7*a+0.3*b" -> {(0.7, a), (0.3, b)}; a name alone has weight 1. Weights must be finite numbers.
std::vector<std::pair<double, std::string>> parse_mixture(const std::string& spec) {
  std::vector<std::pair<double, std::string>> terms;
  std::size_t start = 0;
  while (start <= spec.size()) {
    const std::size_t end = std::min(spec.find('+', start), spec.size());
    const std::string term = trim(spec.substr(start, end - start));
    const std::size_t star = term.find('*');
    double w = 1.0;
    std::string name = term;
    if (star != std::string::npos) {
      const std::string ws = trim(term.substr(0, star));
      char* e = nullptr;
      w = std::strtod(ws.c_str(), &e);
      if (ws.empty() || *e != '\0')
        throw invalid_argument("bad weight '" + ws + "' in function mixture '" + spec + "'");
      if (!std::isfinite(w))
        throw invalid_argument("weight '" + ws + "' in function mixture '" + spec + "' is not a finite number");
      name = trim(term.substr(star + 1));
    }
    find_function(name);  // an unknown name fails here, with the valid ones
    terms.emplace_back(w, name);
    start = end + 1;
  }
  return terms;
}

bool is_mixture(const std::string& spec) {
  return spec.find('+') != std::string::npos || spec.find('*') != std::string::npos;
}

}  // namespace

void check_function_spec(const std::string& spec) {
  if (is_mixture(spec))
    parse_mixture(spec);
  else
    find_function(trim(spec));
}

std::unique_ptr<SetFunction> make_function(const std::string& spec, FunctionInputs& in, const FunctionParams& p) {
  if (!is_mixture(spec)) return build(find_function(trim(spec)), in, p);
  std::vector<std::unique_ptr<SetFunction>> parts;
  std::vector<double> weights;
  for (const auto& [w, name] : parse_mixture(spec)) {
    parts.push_back(build(find_function(name), in, p));
    weights.push_back(w);
  }
  return mixture(std::move(parts), std::move(weights));
}

std::unique_ptr<Optimizer> make_optimizer(const std::string& name) {
  for (const auto& o : optimizer_registry())
    if (o.name == name) return o.make();
  throw invalid_argument("unknown optimizer '" + name + "'; valid optimizers: " + optimizer_names());
}

}  // namespace cords::select
