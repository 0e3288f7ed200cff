#include "cords/select/detail/rows.h"

#include <cmath>

namespace cords::select::detail {

Matrix normalized_rows(MatrixView x) {
  Matrix y(x.rows, x.cols);
#pragma omp parallel for schedule(static)
  for (Index i = 0; i < x.rows; ++i) {
    const float* xi = x.row(i);
    double nn = 0.0;
    for (Index t = 0; t < x.cols; ++t) nn += static_cast<double>(xi[t]) * xi[t];
    const float inv = nn > 0 ? static_cast<float>(1.0 / std::sqrt(nn)) : 0.0f;
    float* yi = y.row(i);
    for (Index t = 0; t < x.cols; ++t) yi[t] = xi[t] * inv;
  }
  return y;
}

std::vector<float> squared_norms(MatrixView x) {
  std::vector<float> out(static_cast<std::size_t>(x.rows));
#pragma omp parallel for schedule(static)
  for (Index i = 0; i < x.rows; ++i) {
    const float* xi = x.row(i);
    double nn = 0.0;
    for (Index t = 0; t < x.cols; ++t) nn += static_cast<double>(xi[t]) * xi[t];
    out[static_cast<std::size_t>(i)] = static_cast<float>(nn);
  }
  return out;
}

double mean_pairwise_d2(MatrixView x, const std::vector<float>& sqnorm) {
  const Index n = x.rows;
  if (n < 2) return 0.0;
  double sum_sq = 0.0;
  for (float v : sqnorm) sum_sq += v;
  std::vector<double> colsum(static_cast<std::size_t>(x.cols), 0.0);
  for (Index i = 0; i < n; ++i)
    for (Index t = 0; t < x.cols; ++t) colsum[static_cast<std::size_t>(t)] += x(i, t);
  double norm_sum = 0.0;
  for (double v : colsum) norm_sum += v * v;
  const double total = 2.0 * static_cast<double>(n) * sum_sq - 2.0 * norm_sum;
  return std::max(0.0, total / (static_cast<double>(n) * static_cast<double>(n - 1)));
}

}  // namespace cords::select::detail
