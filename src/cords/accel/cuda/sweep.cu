// Fused gain sweeps over an fp16 kernel on CUDA: one pass over the requested rows, 16-byte loads, the memo read
// once per block of kRows rows, float accumulation, one launch per sweep. No torch header here: the caller
// (torch_functions.cpp) hands raw device pointers and checks shapes, dtypes and contiguity.
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cstdint>

#include "cords/accel/cuda/sweep.h"

namespace {

constexpr int kThreads = 256;
constexpr int kRows = 4;  // rows per block: each memo load serves kRows kernel rows

// term(s, m): facility location max(s - m, 0) with m the memo; saturated coverage min(s, m) with m the room left.
struct FacilityTerm {
  __device__ static float apply(float s, float m) { return fmaxf(s - m, 0.0f); }
};
struct CoverageTerm {
  __device__ static float apply(float s, float m) { return fminf(s, m); }
};

__device__ float block_sum(float v, float* shared) {
  for (int o = 16; o > 0; o >>= 1) v += __shfl_down_sync(0xffffffffu, v, o);
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  __syncthreads();  // shared is reused across calls
  if (lane == 0) shared[warp] = v;
  __syncthreads();
  v = threadIdx.x < kThreads / 32 ? shared[threadIdx.x] : 0.0f;
  if (warp == 0)
    for (int o = 16; o > 0; o >>= 1) v += __shfl_down_sync(0xffffffffu, v, o);
  return v;
}

template <class Term>
__global__ void __launch_bounds__(kThreads)
    sweep_kernel(const __half* __restrict__ k, std::int64_t n, const float* __restrict__ memo,
                 const std::int64_t* __restrict__ rows, std::int64_t nrows, float* __restrict__ out) {
  __shared__ float shared[kThreads / 32];
  const std::int64_t first = static_cast<std::int64_t>(blockIdx.x) * kRows;
  const __half* row[kRows];
  bool valid[kRows];
  for (int r = 0; r < kRows; ++r) {
    const std::int64_t t = first + r;
    valid[r] = t < nrows;
    const std::int64_t i = valid[r] ? (rows ? rows[t] : t) : 0;
    row[r] = k + i * n;
  }
  float acc[kRows] = {};
  if (n % 8 == 0) {  // every row starts 16-byte aligned: 8 halves per load
    const std::int64_t vecs = n / 8;
    for (std::int64_t v = threadIdx.x; v < vecs; v += kThreads) {
      const float4 m0 = reinterpret_cast<const float4*>(memo)[2 * v];
      const float4 m1 = reinterpret_cast<const float4*>(memo)[2 * v + 1];
      const float m[8] = {m0.x, m0.y, m0.z, m0.w, m1.x, m1.y, m1.z, m1.w};
#pragma unroll
      for (int r = 0; r < kRows; ++r) {
        if (!valid[r]) continue;
        const uint4 raw = __ldg(reinterpret_cast<const uint4*>(row[r]) + v);
        const __half2* h = reinterpret_cast<const __half2*>(&raw);
        float a = 0.0f;
#pragma unroll
        for (int q = 0; q < 4; ++q) {
          const float2 s = __half22float2(h[q]);
          a += Term::apply(s.x, m[2 * q]) + Term::apply(s.y, m[2 * q + 1]);
        }
        acc[r] += a;
      }
    }
  } else {
    for (std::int64_t j = threadIdx.x; j < n; j += kThreads) {
      const float m = memo[j];
#pragma unroll
      for (int r = 0; r < kRows; ++r)
        if (valid[r]) acc[r] += Term::apply(__half2float(row[r][j]), m);
    }
  }
#pragma unroll
  for (int r = 0; r < kRows; ++r) {
    const float total = block_sum(acc[r], shared);
    if (threadIdx.x == 0 && valid[r]) out[first + r] = total;
  }
}

template <class Term>
int launch(const void* kernel, std::int64_t n, const float* memo, const std::int64_t* rows, std::int64_t nrows,
           float* out, void* stream) {
  if (nrows <= 0) return 0;
  const std::int64_t blocks = (nrows + kRows - 1) / kRows;
  if (blocks > 0x7fffffff) return static_cast<int>(cudaErrorInvalidValue);
  sweep_kernel<Term><<<static_cast<unsigned>(blocks), kThreads, 0, static_cast<cudaStream_t>(stream)>>>(
      static_cast<const __half*>(kernel), n, memo, rows, nrows, out);
  return static_cast<int>(cudaGetLastError());
}

}  // namespace

namespace cords::accel::cuda {

int facility_location_sweep(const void* kernel, std::int64_t n, const float* memo, const std::int64_t* rows,
                            std::int64_t nrows, float* out, void* stream) {
  return launch<FacilityTerm>(kernel, n, memo, rows, nrows, out, stream);
}

int saturated_coverage_sweep(const void* kernel, std::int64_t n, const float* room, const std::int64_t* rows,
                             std::int64_t nrows, float* out, void* stream) {
  return launch<CoverageTerm>(kernel, n, room, rows, nrows, out, stream);
}

const char* error_string(int code) {
  return cudaGetErrorString(static_cast<cudaError_t>(code));
}

}  // namespace cords::accel::cuda
