#include "cords/select/kernel.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "cords/core/check.h"
#include "cords/core/error.h"
#include "cords/select/detail/rows.h"
#include "cords/select/gemm.h"

namespace cords::select {

namespace {

struct MetricInfo {
  const char* name;
  Metric metric;
};
// Every metric, in --help's order: the one table the names are parsed from and written with.
constexpr MetricInfo kMetrics[] = {{"cosine", Metric::Cosine},
                                   {"euclidean", Metric::Euclidean},
                                   {"rbf", Metric::Rbf},
                                   {"dot", Metric::Dot},
                                   {"precomputed", Metric::Precomputed}};

}  // namespace

Metric parse_metric(const std::string& name) {
  for (const auto& m : kMetrics)
    if (name == m.name) return m.metric;
  throw invalid_argument("unknown metric '" + name + "'; valid metrics: " + metric_names());
}

std::vector<std::string> metric_name_list() {
  return table_names(kMetrics);
}

const char* metric_names() {
  static const std::string names = name_list(metric_name_list());
  return names.c_str();
}

const char* to_string(Metric m) {
  for (const auto& info : kMetrics)
    if (info.metric == m) return info.name;
  return "?";
}

bool is_psd(Metric m) {
  return m != Metric::Euclidean;
}

DenseKernel::DenseKernel(Matrix s, Metric metric) : s_(std::move(s)), metric_(metric) {
  float lo = std::numeric_limits<float>::infinity(), hi = -lo;
  const std::size_t total = s_.size();
  const float* p = s_.data();
#pragma omp parallel for reduction(min : lo) reduction(max : hi)
  for (std::size_t t = 0; t < total; ++t) {
    lo = std::min(lo, p[t]);
    hi = std::max(hi, p[t]);
  }
  min_ = lo;
  max_ = hi;
}

DenseKernel::DenseKernel(Matrix s, Metric metric, float min_value, float max_value)
    : s_(std::move(s)), metric_(metric), min_(min_value), max_(max_value) {}

namespace {

constexpr Index kTile = 64;

// Applies v -> tr(i, j, v) to the lower triangle of c (n x n, as left by syrk_lower), mirrors it into the upper
// triangle, and returns min and max of the result. Tiled so that both the row-wise transform and the
// transposed copy stay in cache; tr is a template parameter so the inner loops vectorise.
struct Range {
  float lo, hi;
  bool finite;  ///< no NaN or infinity (min and max do not see a NaN)
};

template <class Tr>
Range transform_and_mirror(float* c, Index n, Tr tr) {
  const Index nt = (n + kTile - 1) / kTile;
  float lo = std::numeric_limits<float>::infinity(), hi = -lo;
  bool finite = true;
#pragma omp parallel for schedule(dynamic) reduction(min : lo) reduction(max : hi) reduction(&& : finite)
  for (Index bi = 0; bi < nt; ++bi) {
    const Index i0 = bi * kTile, i1 = std::min(n, i0 + kTile);
    for (Index bj = 0; bj <= bi; ++bj) {
      const Index j0 = bj * kTile, j1 = std::min(n, j0 + kTile);
      for (Index i = i0; i < i1; ++i) {
        float* ri = c + i * n;
        const Index jend = std::min(j1, i + 1);
        for (Index j = j0; j < jend; ++j) {
          const float v = tr(i, j, ri[j]);
          ri[j] = v;
          lo = std::min(lo, v);
          hi = std::max(hi, v);
          finite = finite && std::isfinite(v);
        }
      }
      for (Index j = j0; j < j1; ++j) {  // upper triangle: c[j][i] = c[i][j] for i > j
        float* rj = c + j * n;
        for (Index i = std::max(i0, j + 1); i < i1; ++i) rj[i] = c[i * n + j];
      }
    }
  }
  return {lo, hi, finite};
}

}  // namespace

namespace {

// A user's similarity matrix, copied after the checks the functions rely on: finite everywhere, and square and
// symmetric unless it is a ground x represented matrix (facility location).
DenseKernel precomputed_kernel(MatrixView x, bool rectangular_ok) {
  const Index n = x.rows, m = x.cols;
  if (n != m && !rectangular_ok)
    throw invalid_argument("a precomputed similarity must be square (n x n), got " + std::to_string(n) + " x " +
                           std::to_string(m) + "; an n x m matrix (ground x represented) suits facility-location only");
  Matrix s = Matrix::uninitialized(n, m);
  float amax = 0.0f;
  for (Index i = 0; i < n; ++i) {
    const float* r = x.row(i);
    for (Index j = 0; j < m; ++j) {
      if (!std::isfinite(r[j]))
        throw invalid_argument("the precomputed similarity holds " +
                               std::string(std::isnan(r[j]) ? "NaN" : "an infinite value") + " at (" +
                               std::to_string(i) + ", " + std::to_string(j) + ")");
      amax = std::max(amax, std::fabs(r[j]));
    }
    std::copy(r, r + m, s.row(i));
  }
  if (n == m) {
    const float tol = 1e-5f * std::max(1.0f, amax);
    for (Index i = 0; i < n; ++i)
      for (Index j = 0; j < i; ++j)
        if (std::fabs(x(i, j) - x(j, i)) > tol)
          throw invalid_argument("the precomputed similarity is not symmetric: s(" + std::to_string(i) + ", " +
                                 std::to_string(j) + ") = " + std::to_string(x(i, j)) + " but s(" + std::to_string(j) +
                                 ", " + std::to_string(i) + ") = " + std::to_string(x(j, i)));
  }
  return DenseKernel(std::move(s), Metric::Precomputed);
}

// Whether every row of x equals the first (then a constant similarity is right).
bool rows_identical(MatrixView x) {
  for (Index i = 1; i < x.rows; ++i)
    if (!std::equal(x.row(i), x.row(i) + x.cols, x.row(0))) return false;
  return true;
}

// The similarities of features that are all finite can still overflow (1e20 and beyond: squared distances and dot
// products past float's range) or vanish (1e-30 and below: every distance 0): a kernel of NaN, infinities or one
// constant value for rows that differ would select nonsense with exit 0. Refused, naming the fix.
void check_similarities(Range r, MatrixView x, Metric metric) {
  const std::string fix = "; scale the features (e.g. to unit variance) and select again";
  if (!r.finite)
    throw invalid_argument(std::string("the ") + to_string(metric) +
                           " similarities of these features overflow float (values of about 1e19 or more, or rows "
                           "of length near 0)" +
                           fix);
  if (r.lo == r.hi && x.rows > 1 && metric != Metric::Dot && !rows_identical(x))
    throw invalid_argument(std::string("the ") + to_string(metric) +
                           " similarities of these features are all equal although the rows differ: their "
                           "differences vanish in float (values of about 1e-19 or less)" +
                           fix);
}

void check_kernel_inputs(MatrixView x, const KernelOptions& opts) {
  if (x.rows <= 0 || x.cols <= 0) throw invalid_argument("cannot build a kernel of an empty matrix");
  if (opts.metric == Metric::Rbf && !(opts.rbf_kw > 0))
    throw invalid_argument("rbf kernel width kw must be > 0, got " + std::to_string(opts.rbf_kw));
}

}  // namespace

DenseKernel make_cross_kernel(MatrixView x, MatrixView r, const KernelOptions& opts) {
  check_kernel_inputs(x, opts);
  if (opts.metric == Metric::Precomputed)  // (first: the column counts of a similarity and features never match)
    throw invalid_argument(
        "a represented set is given as features; with metric precomputed pass the n x m similarity instead");
  if (r.rows <= 0 || r.cols <= 0) throw invalid_argument("the represented set is empty");
  if (r.cols != x.cols)
    throw invalid_argument("the represented set has " + std::to_string(r.cols) + " columns but the ground set " +
                           std::to_string(x.cols) + ": both need the same features");
  const Index n = x.rows, m = r.rows;
  Matrix s = Matrix::uninitialized(n, m);
  float* c = s.data();
  if (opts.metric == Metric::Cosine) {
    const Matrix a = detail::normalized_rows(x), b = detail::normalized_rows(r);
    detail::gemm_abt(a.data(), n, b.data(), m, x.cols, c, m);
  } else {
    detail::gemm_abt(x.data, n, r.data, m, x.cols, c, m);
  }
  const std::size_t total = s.size();
  if (opts.metric == Metric::Cosine) {
#pragma omp parallel for schedule(static)
    for (std::size_t t = 0; t < total; ++t) c[t] = 0.5f + 0.5f * c[t];
  } else if (opts.metric != Metric::Dot) {  // squared distances first
    const std::vector<float> sx = detail::squared_norms(x), sr = detail::squared_norms(r);
    double sum = 0.0;
    float hi = 0.0f;
#pragma omp parallel for schedule(static) reduction(+ : sum) reduction(max : hi)
    for (Index i = 0; i < n; ++i) {
      float* ci = c + i * m;
      for (Index j = 0; j < m; ++j) {
        const float d2 =
            std::max(0.0f, sx[static_cast<std::size_t>(i)] + sr[static_cast<std::size_t>(j)] - 2.0f * ci[j]);
        ci[j] = d2;
        sum += d2;
        hi = std::max(hi, d2);
      }
    }
    if (opts.metric == Metric::Euclidean) {
#pragma omp parallel for schedule(static)
      for (std::size_t t = 0; t < total; ++t) c[t] = hi - c[t];
    } else {  // rbf over the mean cross distance
      const double mean = sum / static_cast<double>(total);
      const float scale = mean > 0 ? static_cast<float>(1.0 / (opts.rbf_kw * mean)) : 0.0f;
#pragma omp parallel for schedule(static)
      for (std::size_t t = 0; t < total; ++t) c[t] = std::exp(-c[t] * scale);
    }
  }
  float lo = std::numeric_limits<float>::infinity(), hi = -lo;
  bool finite = true;
#pragma omp parallel for reduction(min : lo) reduction(max : hi) reduction(&& : finite)
  for (std::size_t t = 0; t < total; ++t) {
    lo = std::min(lo, c[t]);
    hi = std::max(hi, c[t]);
    finite = finite && std::isfinite(c[t]);
  }
  check_similarities({lo, hi, finite}, x, opts.metric);
  return DenseKernel(std::move(s), opts.metric, lo, hi);
}

DenseKernel make_dense_kernel(MatrixView x, const KernelOptions& opts, bool rectangular_ok) {
  if (opts.metric == Metric::Precomputed) {
    if (x.rows <= 0 || x.cols <= 0) throw invalid_argument("the precomputed similarity is empty");
    return precomputed_kernel(x, rectangular_ok);
  }
  check_kernel_inputs(x, opts);
  const Index n = x.rows;
  Matrix s = Matrix::uninitialized(n, n);
  float* c = s.data();

  // The product the metric needs, lower triangle only (half the flops of a full GEMM).
  std::vector<float> sqnorm;
  if (opts.metric == Metric::Cosine) {
    Matrix y = detail::normalized_rows(x);
    detail::syrk_lower(y.data(), n, x.cols, c);
  } else {
    detail::syrk_lower(x.data, n, x.cols, c);
    sqnorm = detail::squared_norms(x);
  }
  const float* sq = sqnorm.data();
  auto d2 = [sq](Index i, Index j, float g) { return std::max(0.0f, sq[i] + sq[j] - 2.0f * g); };

  Range range{0, 0, true};
  switch (opts.metric) {
    case Metric::Cosine:
      range = transform_and_mirror(c, n, [](Index, Index, float g) { return 0.5f + 0.5f * g; });
      break;
    case Metric::Dot:
      range = transform_and_mirror(c, n, [](Index, Index, float g) { return g; });
      break;
    case Metric::Rbf: {
      const double mean_d2 = detail::mean_pairwise_d2(x, sqnorm);
      const float scale = mean_d2 > 0 ? static_cast<float>(1.0 / (opts.rbf_kw * mean_d2)) : 0.0f;
      range = transform_and_mirror(
          c, n, [&](Index i, Index j, float g) { return i == j ? 1.0f : std::exp(-d2(i, j, g) * scale); });
      break;
    }
    case Metric::Euclidean: {
      // Distances first (their max is the shift), then s = max d2 - d2 in one more pass.
      const auto dr =
          transform_and_mirror(c, n, [&](Index i, Index j, float g) { return i == j ? 0.0f : d2(i, j, g); });
      const float max_d2 = dr.hi;
      const std::size_t total = s.size();
#pragma omp parallel for schedule(static)
      for (std::size_t t = 0; t < total; ++t) c[t] = max_d2 - c[t];
      range = {max_d2 - dr.hi, max_d2 - dr.lo, dr.finite};
      break;
    }
    case Metric::Precomputed:
      break;  // returned above
  }
  check_similarities(range, x, opts.metric);
  return DenseKernel(std::move(s), opts.metric, range.lo, range.hi);
}

}  // namespace cords::select
