#pragma once
// OpenBLAS CPU detection repair.
//
// A DYNAMIC_ARCH OpenBLAS (Debian's, and therefore LibTorch's BLAS on Debian) picks its kernels from the CPU model
// number. On CPUs it does not know - common on cloud VMs, which report a generic "Intel Xeon Processor" - OpenBLAS
// 0.3.21 falls back to its Prescott (SSE3) kernels: on this project's build machine, an AVX-512 Xeon, SGEMM then runs
// at about 30 instead of 140 GFLOP/s. tune_openblas_core() asks the running OpenBLAS (looked up with dlsym, so it
// costs nothing and does nothing with another BLAS or none) which kernels it chose, and when the CPU supports a
// stronger instruction set (AVX-512, else AVX2 + FMA, else AVX) it re-runs OpenBLAS' own dispatch with that core
// type, exactly as if OPENBLAS_CORETYPE had been set before the program started.
//
// Call it at the start of main(), before any thread calls BLAS. It leaves OpenBLAS alone when OPENBLAS_CORETYPE is
// set (the user's choice) or CORDS_BLAS_TUNE=0.
#include <string>

namespace cords {

struct BlasCoreChange {
  std::string before;  // OpenBLAS' core type before the call ("" when no dynamic OpenBLAS is loaded)
  std::string after;   // and after it (== before when nothing changed)
  bool changed() const { return before != after; }
};

BlasCoreChange tune_openblas_core();

// The kernels the loaded OpenBLAS uses ("SkylakeX", "Haswell", ...), or "" without a dynamic OpenBLAS.
std::string openblas_core();

}  // namespace cords
