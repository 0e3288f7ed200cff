#pragma once
// CORDS' subset-selection strategies (../docs/training.md), on last-layer gradients computed by the trainer, driven
// by the selector library. ATen only (CPU tensors). Each returns indices into the train set with a weight each;
// the trainer's loss is sum(w_i l_i) / sum(w_i) per mini-batch, so only relative weights inside a batch matter.
//
// Gradient layout (CORDS): per example [dL/db (C) | dL/dW (C x D, class-major)] for the cross-entropy loss's last
// layer, i.e. p - onehot(y), then (p - onehot) (x) embedding; "linear" = whether the C x D part is present.
#include <ATen/ATen.h>

#include <cstdint>
#include <string>
#include <vector>

#include "cords/train/strategy_table.h"

namespace cords::train {

struct Subset {
  std::vector<std::int64_t> indices;  ///< train indices, distinct
  std::vector<float> weights;         ///< one per index, > 0
  /// A mini-batch's loss is sum(w l) / sum(w) (CORDS' weighted subsets), or with this sum(w l) / count (InfoBatch:
  /// the weights rescale the kept examples' gradients).
  bool per_count = false;
};

/// Gradients of the train set, in sequential order (example i of the train set is row i), or per batch (row b =
/// mean over examples [bB, min(N, (b+1)B))).
struct Gradients {
  at::Tensor g;  ///< rows x d, float, CPU
  at::Tensor y;  ///< N labels (always per example)
  int classes = 0;
  std::int64_t emb_dim = 0;
  bool linear = false;  ///< the C x D part is present
  bool per_batch = false;
  std::int64_t batch = 128;
  std::int64_t examples() const { return y.size(0); }
};

/// The validation set as GLISTER needs it: logits, embeddings and labels at the current model.
struct ValState {
  at::Tensor logits;  ///< V x C
  at::Tensor emb;     ///< V x D
  at::Tensor y;       ///< V
};

/// k = fraction * N examples (at least 1); per-batch modes choose ceil(k / B) batches.
std::int64_t budget_of(std::int64_t n, double fraction);

/// The examples whose gradients a selection looks at: a seeded random share `pool` in (0, 1] of the n train examples,
/// in train order; per-batch draws whole batches of the sequential order (B = batch; the last, partial batch placed
/// last, so that the pool's B-chunks are real batches).
std::vector<std::int64_t> candidate_pool(std::int64_t n, std::int64_t batch, double pool, bool per_batch,
                                         std::uint64_t seed);

/// Uniformly random k of n, weights 1.
Subset random_subset(std::int64_t n, std::int64_t k, std::uint64_t seed);

/// CRAIG: facility location on sim = max d2 - d2 of the gradients (lazy greedy), weights = cluster sizes (the
/// number of elements whose most similar selected element it is, itself included). PerClass or PerBatch (Whole
/// builds one dense kernel over all N: only for small N).
Subset craig(const Gradients& g, std::int64_t k, Mode mode);

/// GradMatch: non-negative OMP with ridge lambda matching the sum of the gradients, weights = OMP coefficients;
/// topped up with random unselected examples (batches) at weight 1 when OMP returns fewer than the budget.
Subset gradmatch(const Gradients& g, std::int64_t k, Mode mode, double lambda, std::uint64_t seed);

/// GLISTER: stochastic greedy on the Taylor-approximated validation gain <g_e, grad L_V>, the validation gradient
/// re-evaluated at the one-step-updated last layer (step eta times the sum of the chosen gradients). Weights 1.
Subset glister(const Gradients& g, const ValState& val, std::int64_t k, Mode mode, double eta, std::uint64_t seed);

/// GLISTER's greedy over the candidate `rows` (gradient rows as in Gradients) against the validation state; returns
/// the chosen row positions in order. Without the linear layer it runs a factorised softmax in plain loops (2 V C
/// multiply-adds per step); `reference` forces the direct ATen evaluation (tests compare the two).
std::vector<std::int64_t> glister_greedy(const at::Tensor& rows, const at::Tensor& vlogits, const at::Tensor& vemb,
                                         const at::Tensor& vy, int classes, bool linear, std::int64_t budget,
                                         double eta, std::uint64_t seed, bool reference);

/// Facility location once on fixed embeddings (N x D), per class, sim = max d2 - d2, lazy greedy. Weights 1.
Subset facloc_embed(const at::Tensor& emb, const at::Tensor& y, int classes, std::int64_t k);

/// Non-negative orthogonal matching pursuit with ridge: atoms are the rows of a (n x d), target b (d). Each
/// step adds the atom of largest positive correlation with the residual, solves (A_S A_S^T + lambda I) x = A_S b,
/// drops atoms whose coefficient is negative, and stops at nnz atoms, a repeat, no positive correlation or a
/// residual below tol ||b||. Returns the atoms with x > 0 and their coefficients. Double precision.
struct OmpResult {
  std::vector<std::int64_t> atoms;
  std::vector<double> coef;
  double residual = 0.0;  ///< ||b - A_S^T x||
};
OmpResult nn_omp(const at::Tensor& a, const at::Tensor& b, std::int64_t nnz, double lambda, double tol = 1e-10);

}  // namespace cords::train
