// Portable blocked products for machines without an optimised CBLAS. Correct and parallel, several times
// slower than OpenBLAS.
#include <algorithm>

#include "cords/select/gemm.h"

namespace cords::select::detail {
namespace {
constexpr Index kBlock = 64;

void block_product(const float* a, const float* b, Index d, float* c, Index ldc, Index i0, Index i1, Index j0,
                   Index j1) {
  for (Index i = i0; i < i1; ++i) {
    const float* ai = a + i * d;
    for (Index j = j0; j < j1; ++j) {
      const float* bj = b + j * d;
      float acc = 0.0f;
#pragma omp simd reduction(+ : acc)
      for (Index t = 0; t < d; ++t) acc += ai[t] * bj[t];
      c[i * ldc + j] = acc;
    }
  }
}
}  // namespace

void gemm_abt(const float* a, Index m, const float* b, Index n, Index d, float* c, Index ldc) {
  const Index bm = (m + kBlock - 1) / kBlock, bn = (n + kBlock - 1) / kBlock;
#pragma omp parallel for schedule(dynamic) collapse(2)
  for (Index bi = 0; bi < bm; ++bi)
    for (Index bj = 0; bj < bn; ++bj)
      block_product(a, b, d, c, ldc, bi * kBlock, std::min(m, (bi + 1) * kBlock), bj * kBlock,
                    std::min(n, (bj + 1) * kBlock));
}

void syrk_lower(const float* a, Index n, Index d, float* c) {
  const Index nb = (n + kBlock - 1) / kBlock;
#pragma omp parallel for schedule(dynamic)
  for (Index bi = 0; bi < nb; ++bi)
    for (Index bj = 0; bj <= bi; ++bj)
      block_product(a, a, d, c, n, bi * kBlock, std::min(n, (bi + 1) * kBlock), bj * kBlock,
                    std::min(n, (bj + 1) * kBlock));
}

void set_gemm_threads(int) {}  // uses the OpenMP thread count
int gemm_threads() {
  return 1;
}

std::string gemm_backend() {
  return "fallback";
}

}  // namespace cords::select::detail
