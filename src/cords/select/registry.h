#pragma once
// Functions and optimizers by name. The CLI's --help and error messages are generated from these tables, so a
// name is valid in exactly one place.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cords/select/functions.h"
#include "cords/select/kernel.h"
#include "cords/select/optimizer.h"

namespace cords::select {

/// Tunables of the functions, with their defaults (docs/selection.md).
struct FunctionParams {
  double lambda = 0.4;           ///< graph-cut: weight of the within-set similarity, >= 0 (monotone when <= 0.5)
  double regularizer = 1.0;      ///< log-determinant: r in log det(L_S + r I), > 0 (monotone when >= 1)
  std::string concave = "sqrt";  ///< feature-based: sqrt | log1p | inverse
  double alpha = 0.1;            ///< saturated-coverage: saturation share of each element's total similarity
  double threshold = 0.0;        ///< set-cover: element i covers concept u when feature u of i > threshold
};

/// What a function may be built from. Kernels are built on first request and shared. With Metric::Precomputed the
/// "features" are the similarity matrix itself. A represented set (m x d features, viewed: it must outlive the
/// inputs) makes the dense kernel n x m, ground x represented; so does a precomputed n x m matrix.
class FunctionInputs {
 public:
  FunctionInputs(MatrixView features, KernelOptions kernel, Index knn, KnnOptions knn_options,
                 MatrixView represented = {});
  MatrixView features() const { return x_; }
  bool sparse() const { return knn_ > 0; }
  bool precomputed() const { return kernel_.metric == Metric::Precomputed; }
  /// True when what f covers is not the ground set: a represented set, or a precomputed n x m matrix (n != m).
  bool separate_represented() const { return represented_.rows > 0 || (precomputed() && x_.rows != x_.cols); }
  std::shared_ptr<const DenseKernel> dense_kernel();
  std::shared_ptr<const SparseKernel> sparse_kernel();
  /// Seconds spent building kernels so far, and their memory.
  double kernel_seconds() const { return kernel_s_; }
  std::size_t kernel_bytes() const { return kernel_bytes_; }
  const KnnStats& knn_stats() const { return knn_stats_; }

 private:
  MatrixView x_;
  MatrixView represented_;
  KernelOptions kernel_;
  Index knn_;
  KnnOptions knn_options_;
  std::shared_ptr<const DenseKernel> dense_;
  std::shared_ptr<const SparseKernel> sparse_;
  double kernel_s_ = 0.0;
  std::size_t kernel_bytes_ = 0;
  KnnStats knn_stats_;
};

struct FunctionInfo {
  std::string name;
  std::string summary;        ///< one line for --help
  bool uses_kernel;           ///< false: reads the feature matrix directly
  bool supports_knn;          ///< can run on the sparse kNN kernel
  bool supports_represented;  ///< can cover a represented set other than the ground set
  std::function<std::unique_ptr<SetFunction>(FunctionInputs&, const FunctionParams&)> make;
};

struct OptimizerInfo {
  std::string name;
  std::string summary;
  std::function<std::unique_ptr<Optimizer>()> make;
};

const std::vector<FunctionInfo>& function_registry();
const std::vector<OptimizerInfo>& optimizer_registry();
std::string function_names();  ///< "facility-location, graph-cut, ..."
std::string optimizer_names();

/// Builds a function by name, or a weighted mixture written "0.7*facility-location+0.3*disparity-sum".
/// Throws Error{InvalidArgument} listing the valid names for an unknown one.
std::unique_ptr<SetFunction> make_function(const std::string& spec, FunctionInputs& in, const FunctionParams& p);

/// Checks a function name or mixture spec without building anything (for option checks before any work): throws
/// Error{InvalidArgument} for an unknown name or a weight that is not a finite number.
void check_function_spec(const std::string& spec);
std::unique_ptr<Optimizer> make_optimizer(const std::string& name);

}  // namespace cords::select
