#pragma once
// Fused CUDA gain sweeps over an n x n fp16 kernel (row-major, contiguous), built only when CMake finds a CUDA
// compiler and a CUDA LibTorch (CORDS_HAVE_CUDA_SWEEP). Plain pointers, no torch types, so nvcc never sees torch
// headers. For each t < nrows, out[t] = sum_j term(k[rows[t]][j], memo[j]) (rows == nullptr: row t), with
// term = max(s - m, 0) (facility location) or min(s, m) (saturated coverage, memo = room left). memo and out are
// float device arrays; memo must be 16-byte aligned. Returns 0 or a cudaError_t code (the launch is asynchronous
// on `stream`, a cudaStream_t; nullptr = the legacy default stream).
#include <cstdint>

namespace cords::accel::cuda {

int facility_location_sweep(const void* kernel, std::int64_t n, const float* memo, const std::int64_t* rows,
                            std::int64_t nrows, float* out, void* stream);
int saturated_coverage_sweep(const void* kernel, std::int64_t n, const float* room, const std::int64_t* rows,
                             std::int64_t nrows, float* out, void* stream);
const char* error_string(int code);

}  // namespace cords::accel::cuda
