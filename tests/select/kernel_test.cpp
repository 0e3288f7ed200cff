#include "cords/select/kernel.h"

#include <gtest/gtest.h>

#include <cmath>

#include "../support/error_matchers.h"
#include "cords/core/error.h"
#include "test_data.h"

namespace cords::select {
namespace {

double d2(const Matrix& x, Index i, Index j) {
  double s = 0;
  for (Index t = 0; t < x.cols(); ++t) s += (x(i, t) - x(j, t)) * (x(i, t) - x(j, t));
  return s;
}
double dot(const Matrix& x, Index i, Index j) {
  double s = 0;
  for (Index t = 0; t < x.cols(); ++t) s += static_cast<double>(x(i, t)) * x(j, t);
  return s;
}

class KernelDefinitions : public ::testing::Test {
 protected:
  Matrix x = test::blobs(70, 9, 3, 17);  // 70 rows: not a multiple of the 64-row tiles
};

TEST_F(KernelDefinitions, Cosine) {
  const DenseKernel k = make_dense_kernel(x.view(), {Metric::Cosine, 0.1});
  for (Index i = 0; i < 70; i += 3)
    for (Index j = 0; j < 70; j += 5) {
      const double c = dot(x, i, j) / std::sqrt(dot(x, i, i) * dot(x, j, j));
      EXPECT_NEAR(k(i, j), (1 + c) / 2, 1e-5);
      EXPECT_EQ(k(i, j), k(j, i));
    }
  EXPECT_GE(k.min_value(), -1e-6);
  EXPECT_LE(k.max_value(), 1 + 1e-5);
}

TEST_F(KernelDefinitions, Euclidean) {
  const DenseKernel k = make_dense_kernel(x.view(), {Metric::Euclidean, 0.1});
  double maxd = 0;
  for (Index i = 0; i < 70; ++i)
    for (Index j = 0; j < 70; ++j) maxd = std::max(maxd, d2(x, i, j));
  for (Index i = 0; i < 70; i += 7)
    for (Index j = 0; j < 70; j += 3) EXPECT_NEAR(k(i, j), maxd - d2(x, i, j), 1e-3 * maxd);
  EXPECT_NEAR(k(4, 4), maxd, 1e-3 * maxd);
  EXPECT_GE(k.min_value(), 0.0f);
}

TEST_F(KernelDefinitions, Rbf) {
  const double kw = 0.3;
  const DenseKernel k = make_dense_kernel(x.view(), {Metric::Rbf, kw});
  double sum = 0;
  for (Index i = 0; i < 70; ++i)
    for (Index j = 0; j < 70; ++j)
      if (i != j) sum += d2(x, i, j);
  const double mean = sum / (70.0 * 69.0);
  for (Index i = 0; i < 70; i += 7)
    for (Index j = 0; j < 70; j += 3) EXPECT_NEAR(k(i, j), std::exp(-d2(x, i, j) / (kw * mean)), 1e-4);
  EXPECT_EQ(k(9, 9), 1.0f);
}

TEST_F(KernelDefinitions, Dot) {
  const DenseKernel k = make_dense_kernel(x.view(), {Metric::Dot, 0.1});
  for (Index i = 0; i < 70; i += 4)
    for (Index j = 0; j < 70; j += 6) EXPECT_NEAR(k(i, j), dot(x, i, j), 1e-3 * (1 + std::fabs(dot(x, i, j))));
  EXPECT_LT(k.min_value(), 0.0f);  // blobs around random centres have negative products
}

TEST(Kernel, ZeroRowsHaveZeroCosine) {
  Matrix x(3, 2);
  x(0, 0) = 1;
  x(2, 1) = 2;
  const DenseKernel k = make_dense_kernel(x.view(), {Metric::Cosine, 0.1});
  EXPECT_FLOAT_EQ(k(0, 1), 0.5f);
  EXPECT_FLOAT_EQ(k(0, 2), 0.5f);
  EXPECT_FLOAT_EQ(k(0, 0), 1.0f);
}

TEST(Kernel, ParsesMetricNamesAndRejectsBadInput) {
  EXPECT_EQ(parse_metric("rbf"), Metric::Rbf);
  try {
    parse_metric("cosin");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::InvalidArgument);
    EXPECT_NE(std::string(e.what()).find("cosine, euclidean, rbf, dot"), std::string::npos);
  }
  Matrix x = test::blobs(5, 2, 1, 1);
  EXPECT_CORDS_ERROR(make_dense_kernel(x.view(), {Metric::Rbf, 0.0}), InvalidArgument);
  EXPECT_CORDS_ERROR(make_dense_kernel(MatrixView{}, {}), InvalidArgument);
}

// The cross kernel (ground x represented) by the same definitions, over the n m cross pairs.
TEST_F(KernelDefinitions, CrossKernelFollowsTheDefinitionsOverTheCrossPairs) {
  const Matrix r = test::blobs(23, 9, 2, 5);
  auto cross_d2 = [&](Index i, Index j) {
    double s = 0;
    for (Index t = 0; t < 9; ++t) s += (x(i, t) - r(j, t)) * (x(i, t) - r(j, t));
    return s;
  };
  double maxd = 0, sum = 0;
  for (Index i = 0; i < 70; ++i)
    for (Index j = 0; j < 23; ++j) {
      maxd = std::max(maxd, cross_d2(i, j));
      sum += cross_d2(i, j);
    }
  const DenseKernel e = make_cross_kernel(x.view(), r.view(), {Metric::Euclidean, 0.1});
  const DenseKernel b = make_cross_kernel(x.view(), r.view(), {Metric::Rbf, 0.5});
  const DenseKernel c = make_cross_kernel(x.view(), r.view(), {Metric::Cosine, 0.1});
  ASSERT_EQ(e.size(), 70);
  ASSERT_EQ(e.cols(), 23);
  EXPECT_FALSE(e.square());
  for (Index i = 0; i < 70; i += 3)
    for (Index j = 0; j < 23; j += 2) {
      EXPECT_NEAR(e(i, j), maxd - cross_d2(i, j), 1e-3 * maxd);
      EXPECT_NEAR(b(i, j), std::exp(-cross_d2(i, j) / (0.5 * sum / (70.0 * 23.0))), 1e-4);
      double xr = 0, xx = 0, rr = 0;
      for (Index t = 0; t < 9; ++t) {
        xr += static_cast<double>(x(i, t)) * r(j, t);
        xx += static_cast<double>(x(i, t)) * x(i, t);
        rr += static_cast<double>(r(j, t)) * r(j, t);
      }
      EXPECT_NEAR(c(i, j), (1 + xr / std::sqrt(xx * rr)) / 2, 1e-5);
    }
  EXPECT_GE(e.min_value(), 0.0f);
}

TEST(Kernel, PrecomputedIsCheckedAndCopied) {
  Matrix s(3, 3);
  for (Index i = 0; i < 3; ++i)
    for (Index j = 0; j < 3; ++j) s(i, j) = i == j ? 1.0f : 0.25f * static_cast<float>(i + j);
  const DenseKernel k = make_dense_kernel(s.view(), {Metric::Precomputed, 0.1});
  EXPECT_EQ(k(1, 2), s(1, 2));
  EXPECT_EQ(k.metric(), Metric::Precomputed);
  EXPECT_EQ(parse_metric("precomputed"), Metric::Precomputed);
  auto kind_of = [](auto&& f) {
    try {
      f();
    } catch (const Error& e) {
      return e.kind();
    }
    return ErrorKind::Internal;
  };
  Matrix asym = test::blobs(3, 3, 1, 2);
  EXPECT_EQ(kind_of([&] { make_dense_kernel(asym.view(), {Metric::Precomputed, 0.1}); }), ErrorKind::InvalidArgument);
  Matrix wide(2, 5);
  EXPECT_EQ(kind_of([&] { make_dense_kernel(wide.view(), {Metric::Precomputed, 0.1}); }), ErrorKind::InvalidArgument);
  EXPECT_EQ(make_dense_kernel(wide.view(), {Metric::Precomputed, 0.1}, /*rectangular_ok=*/true).cols(), 5);
  s(0, 0) = std::nanf("");
  EXPECT_EQ(kind_of([&] { make_dense_kernel(s.view(), {Metric::Precomputed, 0.1}); }), ErrorKind::InvalidArgument);
  EXPECT_EQ(kind_of([&] {
              make_cross_kernel(s.view(), wide.view(), {Metric::Cosine, 0.1});
            }),
            ErrorKind::InvalidArgument);
}

}  // namespace
}  // namespace cords::select
