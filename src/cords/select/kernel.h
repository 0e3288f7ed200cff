#pragma once
// Similarity kernels over an n x d row-major float matrix X (row i = element i). Definitions (docs/selection.md):
//   cosine    s_ij = (1 + cos(x_i, x_j)) / 2            in [0, 1]; a zero row has cos = 0 with everything
//   euclidean s_ij = max_kl d2_kl - d2_ij               d2 = squared Euclidean distance; in [0, max d2]
//   rbf       s_ij = exp(-d2_ij / (kw * mean_{k!=l} d2_kl))   kw = KernelOptions::rbf_kw (default 0.1)
//   dot       s_ij = <x_i, x_j>                          may be negative; functions that need s >= 0 refuse it
//   precomputed  X itself is the similarity: n x n, symmetric (checked); n x m (m represented elements, column j
//             = represented element j) for facility location with a represented set
// With a represented set R (m x d, other than the ground set), s_ij compares ground element i with represented
// element j (cross kernel, n x m); rbf and euclidean then take their mean/max over those n m pairs.
// DenseKernel holds the full symmetric n x n matrix (4 n^2 bytes); SparseKernel holds, for every element j,
// only its k nearest neighbours (itself included), in O(n k) memory.
#include <cstdint>
#include <string>
#include <vector>

#include "cords/core/matrix.h"

namespace cords::select {

enum class Metric { Cosine, Euclidean, Rbf, Dot, Precomputed };

/// Parses "cosine" | "euclidean" | "rbf" | "dot" | "precomputed"; throws Error{InvalidArgument} listing the valid
/// names.
Metric parse_metric(const std::string& name);
const char* to_string(Metric m);
/// True for metrics whose dense kernel is positive semi-definite (cosine, rbf, dot; precomputed: the caller's word).
bool is_psd(Metric m);
/// "cosine, euclidean, rbf, dot, precomputed" (for help texts and errors).
const char* metric_names();
/// The same names, one per metric, in that order.
std::vector<std::string> metric_name_list();

struct KernelOptions {
  Metric metric = Metric::Cosine;
  double rbf_kw = 0.1;  ///< rbf bandwidth factor kw, > 0
};

/// A dense similarity matrix: symmetric n x n over the ground set, or n x m between the ground set (rows) and a
/// represented set (columns; facility location only, which checks it). Immutable after construction; safe to share
/// between threads.
class DenseKernel {
 public:
  /// Takes the matrix; computes its min and max.
  DenseKernel(Matrix s, Metric metric);
  /// As above with min and max already known. REQUIRES: they are the matrix's true min and max.
  DenseKernel(Matrix s, Metric metric, float min_value, float max_value);
  /// Ground-set size n (rows).
  Index size() const { return s_.rows(); }
  /// Elements represented: n, or m for a represented set.
  Index cols() const { return s_.cols(); }
  bool square() const { return s_.rows() == s_.cols(); }
  const float* row(Index i) const { return s_.row(i); }
  float operator()(Index i, Index j) const { return s_(i, j); }
  Metric metric() const { return metric_; }
  float min_value() const { return min_; }
  float max_value() const { return max_; }

 private:
  Matrix s_;
  Metric metric_;
  float min_ = 0.0f;
  float max_ = 0.0f;
};

/// Builds the dense kernel of X with a BLAS symmetric rank-k update (multi-threaded); for Metric::Precomputed, copies X
/// (square and symmetric, or any n x m when rectangular_ok). Throws Error{InvalidArgument} for an empty X, a bad
/// rbf_kw, or a precomputed matrix that is not finite, square or symmetric.
DenseKernel make_dense_kernel(MatrixView x, const KernelOptions& opts, bool rectangular_ok = false);

/// The n x m cross kernel between the ground set X (n x d) and a represented set R (m x d), one BLAS product.
/// Throws Error{InvalidArgument} for empty inputs, differing d, a bad rbf_kw, or Metric::Precomputed.
DenseKernel make_cross_kernel(MatrixView x, MatrixView r, const KernelOptions& opts);

/// A sparse similarity: element j is represented only by its neighbours N(j) (|N(j)| <= k, j in N(j)).
/// Stored by candidate: covered(i) lists the (j, s_ij) with i in N(j), which is what a gain sweep reads.
class SparseKernel {
 public:
  struct Entry {
    std::int32_t j;
    float s;
  };
  /// neighbours: n x k element indices (row j = N(j)); sims: n x k similarities s_ij, same layout.
  /// Entries < 0 in neighbours are skipped.
  SparseKernel(Index n, Index k, const std::vector<std::int32_t>& neighbours, const std::vector<float>& sims);
  Index size() const { return n_; }
  const Entry* covered_begin(Index i) const { return entries_.data() + offsets_[static_cast<std::size_t>(i)]; }
  const Entry* covered_end(Index i) const { return entries_.data() + offsets_[static_cast<std::size_t>(i) + 1]; }
  float min_value() const { return min_; }
  std::size_t nonzeros() const { return entries_.size(); }

 private:
  Index n_;
  std::vector<std::int64_t> offsets_;
  std::vector<Entry> entries_;
  float min_ = 0.0f;
};

enum class KnnMethod { Auto, Exact, Ivf };

struct KnnOptions {
  Index k = 16;  ///< neighbours per element, itself included; >= 1
  Metric metric = Metric::Cosine;
  double rbf_kw = 0.1;
  KnnMethod method = KnnMethod::Auto;  ///< Auto: exact when n <= exact_limit, else IVF
  Index exact_limit = 50000;
  Index nlist = 0;              ///< IVF lists; 0 = about 2 sqrt(n)
  Index nprobe = 32;            ///< IVF lists scanned per list (per query cluster)
  Index recall_queries = 1000;  ///< IVF: queries checked against exact search to estimate recall (0 = none)
  std::uint64_t seed = 0;
};

struct KnnStats {
  bool exact = true;
  double recall = 1.0;  ///< estimated recall@k of the neighbour lists (1 when exact), -1 when not measured
  double seconds = 0.0;
};

/// k-nearest-neighbour search. Returns n x k neighbour indices (row j: j itself first, then the others by
/// decreasing similarity) and fills sims with the kernel similarity s_ij for each. Metrics: cosine, dot, rbf
/// (euclidean needs the global max distance and is refused with a hint). Exact search is blocked BLAS; IVF is a
/// k-means coarse quantiser whose lists are scanned with BLAS per cluster (approximate; recall reported).
std::vector<std::int32_t> knn_search(MatrixView x, const KnnOptions& opts, std::vector<float>& sims,
                                     KnnStats* stats = nullptr);

/// knn_search + SparseKernel.
SparseKernel make_knn_kernel(MatrixView x, const KnnOptions& opts, KnnStats* stats = nullptr);

}  // namespace cords::select
