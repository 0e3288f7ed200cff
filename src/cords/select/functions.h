#pragma once
// The set functions. Formulas, complexity and guarantees: docs/selection.md. Kernel-based functions share
// their kernel through shared_ptr<const ...> (immutable, thread-safe). Feature-based functions read an
// n x m non-negative feature matrix (row i = element i).
#include <memory>
#include <vector>

#include "cords/select/kernel.h"
#include "cords/select/set_function.h"

namespace cords::select {

/// f(S) = sum_j max_{i in S} s_ij. Monotone submodular. REQUIRES s >= 0 (checked: Error{InvalidArgument}).
std::unique_ptr<SetFunction> facility_location(std::shared_ptr<const DenseKernel> k);
/// Facility location over a kNN kernel: j is covered only by its neighbours N(j).
std::unique_ptr<SetFunction> facility_location(std::shared_ptr<const SparseKernel> k);

/// f(S) = sum_{i in S} sum_{j in V} s_ij - lambda sum_{i in S} sum_{j in S} s_ij. Submodular for lambda >= 0
/// and s >= 0; monotone when lambda <= 1/2.
std::unique_ptr<SetFunction> graph_cut(std::shared_ptr<const DenseKernel> k, double lambda);

/// f(S) = log det(L_S + r I), L the kernel (must be PSD: cosine, rbf, dot). Submodular; monotone when r >= 1.
std::unique_ptr<SetFunction> log_determinant(std::shared_ptr<const DenseKernel> k, double regularizer);

/// d_ij = s_max - s_ij. f(S) = sum_{i<j in S} d_ij. Monotone, supermodular (not submodular).
std::unique_ptr<SetFunction> disparity_sum(std::shared_ptr<const DenseKernel> k);

/// d_ij = s_max - s_ij, D = s_max - s_min. f({}) = 0, f({i}) = D, else min_{i != j in S} d_ij.
/// Neither monotone nor submodular; greedy adds the element farthest from the set.
std::unique_ptr<SetFunction> disparity_min(std::shared_ptr<const DenseKernel> k);

enum class Concave { Sqrt, Log1p, Inverse };
Concave parse_concave(const std::string& name);
/// f(S) = sum_u w_u g(sum_{i in S} F_iu), g concave (sqrt, log1p, inverse: 1 - 1/(1+x)), F >= 0 (checked).
/// Monotone submodular. weights empty = all 1.
std::unique_ptr<SetFunction> feature_based(MatrixView features, Concave g, std::vector<double> weights = {});

/// f(S) = sum_j min(sum_{i in S} s_ij, alpha * sum_{i in V} s_ij). Monotone submodular. REQUIRES s >= 0.
std::unique_ptr<SetFunction> saturated_coverage(std::shared_ptr<const DenseKernel> k, double alpha);

/// Element i covers concept u when F_iu > threshold. f(S) = sum of w_u over concepts covered by S.
std::unique_ptr<SetFunction> set_cover(MatrixView features, double threshold, std::vector<double> weights = {});

/// p_iu = F_iu in [0, 1] (checked). f(S) = sum_u w_u (1 - prod_{i in S} (1 - p_iu)). Monotone submodular.
std::unique_ptr<SetFunction> probabilistic_set_cover(MatrixView features, std::vector<double> weights = {});

/// f(S) = sum_t w_t f_t(S) over components on the same ground set. Claims monotone/submodular when every
/// component does and every weight is >= 0.
std::unique_ptr<SetFunction> mixture(std::vector<std::unique_ptr<SetFunction>> components, std::vector<double> weights);

}  // namespace cords::select
