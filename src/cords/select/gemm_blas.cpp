#include <cblas.h>

#include <string>

#include "cords/core/blas_cpu.h"
#include "cords/select/gemm.h"

namespace cords::select::detail {

void gemm_abt(const float* a, Index m, const float* b, Index n, Index d, float* c, Index ldc) {
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(m), static_cast<int>(n), static_cast<int>(d),
              1.0f, a, static_cast<int>(d), b, static_cast<int>(d), 0.0f, c, static_cast<int>(ldc));
}

void syrk_lower(const float* a, Index n, Index d, float* c) {
  cblas_ssyrk(CblasRowMajor, CblasLower, CblasNoTrans, static_cast<int>(n), static_cast<int>(d), 1.0f, a,
              static_cast<int>(d), 0.0f, c, static_cast<int>(n));
}

void set_gemm_threads(int threads) {
  openblas_set_num_threads(threads);
}
int gemm_threads() {
  return openblas_get_num_threads();
}

std::string gemm_backend() {
  const std::string core = openblas_core();
  return core.empty() ? "cblas" : "openblas " + core;
}

}  // namespace cords::select::detail
