// The LibTorch set functions against the CPU library (the oracle). The device comes from CORDS_TEST_DEVICE
// (default cpu): on the CPU in float32 the two must agree to rounding; on CUDA (CTest label gpu) the kernel is
// stored in fp16 and the tolerances below say how far it may differ.
#include "cords/accel/torch_functions.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>

#include "../select/test_data.h"
#include "../support/error_matchers.h"
#include "cords/core/error.h"
#include "cords/select/functions.h"
#include "cords/select/optimizer.h"

namespace cords::accel {
namespace {

using select::Metric;

std::string test_device() {
  const char* d = std::getenv("CORDS_TEST_DEVICE");
  return d && *d ? d : "cpu";
}

class TorchFunctions : public ::testing::Test {
 protected:
  void SetUp() override {
    if (gpu() && !at::hasCUDA()) GTEST_SKIP() << "no CUDA device";
  }
  bool gpu() const { return test_device() != "cpu"; }
  /// Relative tolerance: float32 rounding on the CPU, fp16 storage of the kernel on the GPU.
  double tol() const { return gpu() ? 2e-3 : 1e-5; }
  /// Tolerance of a gain (a sum of up to n kernel terms): relative, plus on the GPU the fp16 rounding of each
  /// entry (at most 2^-12 for values in [0.5, 1)) accumulated over n columns as independent errors, 4 sigma.
  double gain_tol(double g) const {
    return tol() * std::max(1.0, g) + (gpu() ? 4 * std::sqrt(600.0) * std::ldexp(1.0, -12) : 0);
  }
  TorchKernelOptions opts(Metric m) const {
    TorchKernelOptions o;
    o.device = test_device();
    o.dtype = gpu() ? at::kHalf : at::kFloat;
    o.metric = m;
    return o;
  }
  Matrix x = test::blobs(600, 32, 12, 3);
};

TEST_F(TorchFunctions, KernelMatchesTheCpuKernelForEveryMetric) {
  for (Metric m : {Metric::Cosine, Metric::Euclidean, Metric::Rbf, Metric::Dot}) {
    const select::DenseKernel cpu = select::make_dense_kernel(x.view(), {m, 0.1});
    const at::Tensor dev = torch_dense_kernel(x.view(), opts(m)).to(at::kCPU, at::kFloat);
    double worst = 0;
    const double scale = std::max(std::fabs(cpu.max_value()), std::fabs(cpu.min_value()));
    for (Index i = 0; i < 600; i += 7)
      for (Index j = 0; j < 600; j += 5)
        worst = std::max(worst, std::fabs(dev[i][j].item<double>() - cpu(i, j)) / scale);
    EXPECT_LT(worst, tol()) << select::to_string(m);
  }
}

TEST_F(TorchFunctions, FacilityLocationGainsMatchTheCpuFunction) {
  auto cpu = select::facility_location(
      std::make_shared<const select::DenseKernel>(select::make_dense_kernel(x.view(), {Metric::Cosine, 0.1})));
  auto dev = torch_facility_location(torch_dense_kernel(x.view(), opts(Metric::Cosine)));
  for (Index i : {5, 77, 300, 599}) {
    cpu->add(i);
    dev->add(i);
  }
  std::vector<Index> cand;
  for (Index i = 0; i < 600; ++i)
    if (!cpu->contains(i)) cand.push_back(i);
  std::vector<double> gc(cand.size()), gd(cand.size());
  cpu->gains(cand.data(), static_cast<Index>(cand.size()), gc.data());
  dev->gains(cand.data(), static_cast<Index>(cand.size()), gd.data());  // full sweep path
  for (std::size_t t = 0; t < cand.size(); ++t) EXPECT_NEAR(gd[t], gc[t], gain_tol(gc[t])) << cand[t];
  EXPECT_NEAR(dev->gain(42), cpu->gain(42), gain_tol(cpu->gain(42)));  // gathered-rows path
  EXPECT_NEAR(dev->evaluate({1, 2, 3}), cpu->evaluate({1, 2, 3}), tol() * cpu->evaluate({1, 2, 3}));
  EXPECT_NEAR(dev->value(), cpu->value(), tol() * cpu->value());
}

TEST_F(TorchFunctions, NaiveGreedyOnTheDeviceMatchesCpuGreedy) {
  auto cpu = select::facility_location(
      std::make_shared<const select::DenseKernel>(select::make_dense_kernel(x.view(), {Metric::Cosine, 0.1})));
  auto dev = torch_facility_location(torch_dense_kernel(x.view(), opts(Metric::Cosine)));
  const select::GreedyOptions o;
  const Index k = 30;
  const auto a = select::lazy_greedy()->maximize(*cpu, k, o);
  const auto b = select::naive_greedy()->maximize(*dev, k, o);
  EXPECT_NEAR(b.objective, a.objective, tol() * a.objective);
  if (!gpu()) {
    EXPECT_EQ(a.selected, b.selected);
  }
  // The device selection is as good for the CPU function too.
  EXPECT_NEAR(cpu->evaluate(b.selected), a.objective, 2 * tol() * a.objective);
}

TEST_F(TorchFunctions, SaturatedCoverageMatchesTheCpuFunction) {
  auto cpu = select::saturated_coverage(
      std::make_shared<const select::DenseKernel>(select::make_dense_kernel(x.view(), {Metric::Rbf, 0.1})), 0.1);
  auto dev = torch_saturated_coverage(torch_dense_kernel(x.view(), opts(Metric::Rbf)), 0.1);
  const select::GreedyOptions o;
  const Index k = 25;
  const auto a = select::naive_greedy()->maximize(*cpu, k, o);
  const auto b = select::naive_greedy()->maximize(*dev, k, o);
  EXPECT_NEAR(b.objective, a.objective, 5 * tol() * a.objective);
}

TEST(TorchDevices, ResolveNamesAndRefuseBadOnes) {
  EXPECT_TRUE(resolve_device("cpu").is_cpu());
  EXPECT_CORDS_ERROR(resolve_device("tpu"), InvalidArgument);
  if (!at::hasCUDA()) {
    EXPECT_CORDS_ERROR(resolve_device("cuda"), InvalidArgument);
  }
  EXPECT_EQ(resolve_device("auto").is_cuda(), at::hasCUDA());
}

}  // namespace
}  // namespace cords::accel
