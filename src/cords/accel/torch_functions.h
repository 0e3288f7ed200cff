#pragma once
// Set functions whose kernel and memo live on a LibTorch device (CUDA, or the CPU for tests). A batched gain
// request is one sweep over the kernel rows (on CUDA with an fp16 kernel one fused launch, cuda/sweep.cu; else
// chunked ATen ops so that temporaries stay small); this is what naive greedy asks for every step. Definitions are
// those of the CPU functions (docs/selection.md); the CPU library is the oracle in tests. Only this module includes
// torch headers (ATen).
#include <ATen/ATen.h>

#include <memory>
#include <string>

#include "cords/select/kernel.h"
#include "cords/select/set_function.h"

namespace cords::accel {

struct TorchKernelOptions {
  std::string device = "cuda";       ///< "cuda", "cuda:1", "cpu"
  at::ScalarType dtype = at::kHalf;  ///< storage of the kernel: kHalf (GPU default) or kFloat
  select::Metric metric = select::Metric::Cosine;
  double rbf_kw = 0.1;
};

/// The dense n x n kernel of X built on the device with one matrix product; same definitions as
/// select::make_dense_kernel. Throws Error{InvalidArgument} for an unknown/unavailable device.
at::Tensor torch_dense_kernel(MatrixView x, const TorchKernelOptions& opts);

/// Facility location over a device kernel (n x n, any floating dtype; symmetric, >= 0).
std::unique_ptr<select::SetFunction> torch_facility_location(at::Tensor kernel);
/// Saturated coverage over a device kernel.
std::unique_ptr<select::SetFunction> torch_saturated_coverage(at::Tensor kernel, double alpha);

/// Resolves "auto" | "cpu" | "cuda[:i]" to a device; "auto" is CUDA when available. Throws Error{InvalidArgument}
/// for CUDA without one, for other device types and for unknown names. The one parser of --device (embedder,
/// trainer, selection).
at::Device resolve_device(const std::string& name);

}  // namespace cords::accel
