// Naive-greedy steps of facility location with the kernel on a LibTorch device, against the memory floor.
//   torch_sweep_bench [--n 50000] [--d 512] [--device cuda] [--dtype half|float] [--steps 20]
// Each naive step reads the whole n x n kernel once (one fused, chunked sweep) and updates the memo. The floor is
// the time to read the kernel once at the bandwidth of a device-to-device copy measured in the same run.
// Prints one JSON line.
#include <ATen/ATen.h>

#include <chrono>
#include <cstdio>
#include <string>

#include "cords/accel/torch_functions.h"
#include "cords/core/blas_cpu.h"
#include "cords/core/rng.h"
#include "cords/select/optimizer.h"

using namespace cords;

namespace {
double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
void sync(const at::Tensor& t) {
  (void)t.sum().item<double>();
}  // forces the device queue to drain
}  // namespace

int main(int argc, char** argv) {
  cords::tune_openblas_core();  // see cords/core/blas_cpu.h
  Index n = 50000, d = 512, steps = 20;
  std::string device = "cuda", dtype = "half";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--n")
      n = std::stoll(v);
    else if (k == "--d")
      d = std::stoll(v);
    else if (k == "--device")
      device = v;
    else if (k == "--dtype")
      dtype = v;
    else if (k == "--steps")
      steps = std::stoll(v);
    else {
      std::fprintf(stderr, "unknown argument %s\n", k.c_str());
      return 2;
    }
  }
  Rng rng(1);
  const Index clusters = std::max<Index>(10, n / 200);
  Matrix centres(clusters, d), x(n, d);
  for (Index i = 0; i < centres.rows(); ++i)
    for (Index t = 0; t < d; ++t) centres(i, t) = static_cast<float>(4 * rng.normal());
  for (Index i = 0; i < n; ++i) {
    const Index c = static_cast<Index>(rng.uniform(static_cast<std::uint64_t>(clusters)));
    for (Index t = 0; t < d; ++t) x(i, t) = centres(c, t) + static_cast<float>(rng.normal());
  }
  accel::TorchKernelOptions ko;
  ko.device = device;
  ko.dtype = dtype == "half" ? at::kHalf : at::kFloat;
  double t0 = now();
  at::Tensor k = accel::torch_dense_kernel(x.view(), ko);
  sync(k);
  const double kernel_s = now() - t0;

  // Bandwidth: a device-to-device copy of the kernel (bytes read + written).
  at::Tensor copy = at::empty_like(k);
  copy.copy_(k);
  sync(copy);
  t0 = now();
  for (int r = 0; r < 5; ++r) copy.copy_(k);
  sync(copy);
  const double bytes = static_cast<double>(k.numel()) * static_cast<double>(k.element_size());
  const double bandwidth = 5 * 2 * bytes / (now() - t0);
  copy = at::Tensor();

  auto f = accel::torch_facility_location(k);
  select::naive_greedy()->maximize(*f, 2, {});  // warm-up
  t0 = now();
  const auto s = select::naive_greedy()->maximize(*f, steps, {});
  const double step_s = (now() - t0) / static_cast<double>(steps);
  const double floor_s = bytes / bandwidth;
  std::printf(
      "{\"n\": %lld, \"d\": %lld, \"device\": \"%s\", \"dtype\": \"%s\", \"kernel_s\": %.4f, \"step_ms\": %.4f, "
      "\"floor_ms\": %.4f, \"step_over_floor\": %.3f, \"copy_bandwidth_GBps\": %.1f, \"objective\": %.4f}\n",
      static_cast<long long>(n), static_cast<long long>(d), device.c_str(), dtype.c_str(), kernel_s, 1e3 * step_s,
      1e3 * floor_s, step_s / floor_s, bandwidth / 1e9, s.objective);
  return 0;
}
