#pragma once
// The two dense products the kernels need. Implemented by gemm_blas.cpp (CBLAS, e.g. OpenBLAS) or by
// gemm_fallback.cpp (portable blocked loops, OpenMP) as chosen in CMake. Row-major; a is m x d, b is n x d.
#include <string>

#include "cords/core/matrix.h"

namespace cords::select::detail {

/// c (m x n, leading dimension ldc) = a * b^T.
void gemm_abt(const float* a, Index m, const float* b, Index n, Index d, float* c, Index ldc);

/// Lower triangle (j <= i) of c (n x n) = a * a^T; the strict upper triangle is left unspecified.
void syrk_lower(const float* a, Index n, Index d, float* c);

/// Caps the threads the implementation uses (no-op where it has no own pool).
void set_gemm_threads(int threads);
/// The current cap (1 where it has no own pool).
int gemm_threads();

/// Whether the application handed the BLAS pool's size to the library (select::set_threads, which only an
/// application calls): the pool is process-wide state, so the library changes it only then.
bool blas_pool_handed_over();
void hand_over_blas_pool(bool handed_over = true);  ///< (false: for tests of both ways)

/// While alive, the BLAS runs single-threaded on its caller's thread, so that OpenMP threads can each call it
/// on their own block without two thread pools competing for the cores. Restores the previous cap. Only for
/// code that checked blas_pool_handed_over().
class SingleThreadedGemm {
 public:
  SingleThreadedGemm() : saved_(gemm_threads()) { set_gemm_threads(1); }
  ~SingleThreadedGemm() { set_gemm_threads(saved_); }
  SingleThreadedGemm(const SingleThreadedGemm&) = delete;
  SingleThreadedGemm& operator=(const SingleThreadedGemm&) = delete;

 private:
  int saved_;
};

/// Name of the implementation: "openblas CORE" (the kernels OpenBLAS runs, e.g. "openblas SkylakeX"), "cblas" or
/// "fallback".
std::string gemm_backend();

}  // namespace cords::select::detail
