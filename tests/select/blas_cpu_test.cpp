#include "cords/core/blas_cpu.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "cords/select/gemm.h"
#include "test_data.h"

namespace cords {
namespace {

// The product through whatever kernels the BLAS uses now, against a double-precision loop.
void expect_gemm_correct() {
  const Index m = 37, n = 53, d = 300;
  const Matrix a = test::uniform(m, d, 1, -1, 1), b = test::uniform(n, d, 2, -1, 1);
  std::vector<float> c(static_cast<std::size_t>(m * n), -1.0f);
  select::detail::gemm_abt(a.data(), m, b.data(), n, d, c.data(), n);
  for (Index i = 0; i < m; ++i)
    for (Index j = 0; j < n; ++j) {
      double s = 0;
      for (Index t = 0; t < d; ++t) s += static_cast<double>(a(i, t)) * b(j, t);
      ASSERT_NEAR(c[i * n + j], s, 1e-4) << i << "," << j;
    }
}

TEST(BlasCpu, TuningKeepsProductsCorrectAndIsIdempotent) {
  expect_gemm_correct();
  const BlasCoreChange first = tune_openblas_core();
  EXPECT_EQ(first.before.empty(), first.after.empty());
  EXPECT_EQ(first.after, openblas_core());
  expect_gemm_correct();
  const BlasCoreChange second = tune_openblas_core();  // already the best the CPU supports: nothing more to do
  EXPECT_FALSE(second.changed()) << second.before << " -> " << second.after;
  if (!first.after.empty()) {
    EXPECT_NE(select::detail::gemm_backend().find(first.after), std::string::npos) << select::detail::gemm_backend();
  }
#if defined(__x86_64__)
  // On a CPU with AVX2 (any x86-64 machine of the last decade) a dynamic OpenBLAS must not stay on SSE kernels.
  __builtin_cpu_init();
  if (!first.after.empty() && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    for (const char* weak : {"Prescott", "Core2", "Penryn", "Dunnington", "Nehalem", "Atom", "Katmai", "Northwood"})
      EXPECT_NE(first.after, weak);
  }
#endif
}

TEST(BlasCpu, UserChoiceIsRespected) {
  setenv("OPENBLAS_CORETYPE", "Prescott", 1);
  const BlasCoreChange r = tune_openblas_core();
  unsetenv("OPENBLAS_CORETYPE");
  EXPECT_FALSE(r.changed());
}

}  // namespace
}  // namespace cords
