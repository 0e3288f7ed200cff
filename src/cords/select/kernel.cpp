#include "cords/select/kernel.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "cords/core/check.h"
#include "cords/core/error.h"
#include "cords/select/detail/rows.h"
#include "cords/select/gemm.h"

namespace cords::select {

Metric parse_metric(const std::string& name) {
  if (name == "cosine") return Metric::Cosine;
  if (name == "euclidean") return Metric::Euclidean;
  if (name == "rbf") return Metric::Rbf;
  if (name == "dot") return Metric::Dot;
  throw invalid_argument("unknown metric '" + name + "'; valid metrics: cosine, euclidean, rbf, dot");
}

const char* to_string(Metric m) {
  switch (m) {
    case Metric::Cosine: return "cosine";
    case Metric::Euclidean: return "euclidean";
    case Metric::Rbf: return "rbf";
    case Metric::Dot: return "dot";
  }
  return "?";
}

bool is_psd(Metric m) { return m != Metric::Euclidean; }

DenseKernel::DenseKernel(Matrix s, Metric metric) : s_(std::move(s)), metric_(metric) {
  CORDS_CHECK(s_.rows() == s_.cols(), "kernel must be square, got " << s_.rows() << " x " << s_.cols());
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

DenseKernel make_dense_kernel(MatrixView x, const KernelOptions& opts) {
  if (x.rows <= 0 || x.cols <= 0) throw invalid_argument("cannot build a kernel of an empty matrix");
  if (opts.metric == Metric::Rbf && !(opts.rbf_kw > 0))
    throw invalid_argument("rbf kernel width kw must be > 0, got " + std::to_string(opts.rbf_kw));
  const Index n = x.rows;
  Matrix s(n, n);
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

  // Turn products into similarities and mirror the lower triangle, tile by tile for cache locality.
  double scale = 0.0;  // rbf: 1 / (kw * mean d2), euclidean: max d2
  if (opts.metric == Metric::Rbf) {
    const double mean_d2 = detail::mean_pairwise_d2(x, sqnorm);
    scale = mean_d2 > 0 ? 1.0 / (opts.rbf_kw * mean_d2) : 0.0;
  }
  auto d2 = [&](Index i, Index j, float g) { return std::max(0.0f, sqnorm[i] + sqnorm[j] - 2.0f * g); };
  constexpr Index T = 64;
  const Index nt = (n + T - 1) / T;
  float max_d2 = 0.0f;
#pragma omp parallel for schedule(dynamic) reduction(max : max_d2)
  for (Index bi = 0; bi < nt; ++bi) {
    for (Index bj = 0; bj <= bi; ++bj) {
      const Index i1 = std::min(n, (bi + 1) * T), j1 = std::min(n, (bj + 1) * T);
      for (Index i = bi * T; i < i1; ++i) {
        float* ri = c + i * n;
        const Index jend = std::min(j1, i + 1);
        for (Index j = bj * T; j < jend; ++j) {
          float v = ri[j];
          switch (opts.metric) {
            case Metric::Cosine: v = 0.5f + 0.5f * v; break;
            case Metric::Dot: break;
            case Metric::Rbf: v = i == j ? 1.0f : static_cast<float>(std::exp(-d2(i, j, v) * scale)); break;
            case Metric::Euclidean:
              v = i == j ? 0.0f : d2(i, j, v);  // distance for now; similarity below
              max_d2 = std::max(max_d2, v);
              break;
          }
          ri[j] = v;
          c[j * n + i] = v;
        }
      }
    }
  }
  if (opts.metric == Metric::Euclidean) {
    const std::size_t total = s.size();
#pragma omp parallel for
    for (std::size_t t = 0; t < total; ++t) c[t] = max_d2 - c[t];
  }
  return DenseKernel(std::move(s), opts.metric);
}

}  // namespace cords::select
