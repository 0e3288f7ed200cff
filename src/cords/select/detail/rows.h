#pragma once
// Row helpers shared by the dense and kNN kernels.
#include <vector>

#include "cords/core/matrix.h"

namespace cords::select::detail {

/// Copy of x with each row scaled to unit L2 norm (zero rows stay zero).
Matrix normalized_rows(MatrixView x);
/// ||x_i||^2 for every row.
std::vector<float> squared_norms(MatrixView x);
/// Mean of the squared Euclidean distance over all ordered pairs i != j, in closed form:
/// sum_ij d2_ij = 2 n sum_i ||x_i||^2 - 2 ||sum_i x_i||^2.
double mean_pairwise_d2(MatrixView x, const std::vector<float>& sqnorm);

}  // namespace cords::select::detail
