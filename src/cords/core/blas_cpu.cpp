#include "cords/core/blas_cpu.h"

#include <dlfcn.h>

#include <cstdlib>
#include <cstring>

namespace cords {
namespace {

using CoreName = char* (*)();
using VoidFn = void (*)();

// A symbol of the running OpenBLAS: global in an executable linked against it; in a Python extension module the
// library is loaded privately (RTLD_LOCAL), so it is looked up in the loaded library itself too (RTLD_NOLOAD: never
// loads one). Without this the module ran OpenBLAS's own choice of kernels and the CLI the tuned ones.
template <typename F>
F lookup(const char* name) {
  if (void* f = dlsym(RTLD_DEFAULT, name)) return reinterpret_cast<F>(f);
  for (const char* lib : {"libopenblas.so.0", "libopenblasp.so.0", "libopenblaso.so.0", "libblas.so.3"}) {
    void* h = dlopen(lib, RTLD_LAZY | RTLD_NOLOAD);
    if (!h) continue;
    void* f = dlsym(h, name);
    dlclose(h);  // (NOLOAD took a reference of its own; the library stays loaded)
    if (f) return reinterpret_cast<F>(f);
  }
  return nullptr;
}

// 3: AVX-512 kernels, 2: AVX2/FMA, 1: AVX, 0: older (SSE) or unknown.
int isa_level_of_core(const std::string& core) {
  static const char* const avx512[] = {"SkylakeX", "Cooperlake", "SapphireRapids"};
  static const char* const avx2[] = {"Haswell", "Zen", "Excavator", "Steamroller"};
  static const char* const avx[] = {"Sandybridge", "SandyBridge", "Bulldozer", "Piledriver"};
  for (const char* c : avx512)
    if (core == c) return 3;
  for (const char* c : avx2)
    if (core == c) return 2;
  for (const char* c : avx)
    if (core == c) return 1;
  return 0;
}

int isa_level_of_cpu() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();  // __builtin_cpu_supports also checks that the OS saves the AVX/AVX-512 state
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512cd"))
    return 3;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return 2;
  if (__builtin_cpu_supports("avx")) return 1;
#endif
  return 0;
}

}  // namespace

std::string openblas_core() {
  const auto name = lookup<CoreName>("gotoblas_corename");
  const char* s = name ? name() : nullptr;
  return s ? s : "";
}

BlasCoreChange tune_openblas_core() {
  BlasCoreChange r;
  r.before = r.after = openblas_core();
  const auto init = lookup<VoidFn>("gotoblas_dynamic_init");
  const auto quit = lookup<VoidFn>("gotoblas_dynamic_quit");
  if (r.before.empty() || !init || !quit) return r;
  if (std::getenv("OPENBLAS_CORETYPE")) return r;
  if (const char* t = std::getenv("CORDS_BLAS_TUNE"); t && std::strcmp(t, "0") == 0) return r;
  const int cpu = isa_level_of_cpu();
  if (cpu <= isa_level_of_core(r.before)) return r;
  static const char* const target[] = {nullptr, "Sandybridge", "Haswell", "SkylakeX"};
  // OpenBLAS reads OPENBLAS_CORETYPE in gotoblas_dynamic_init(); set it for that call only, so that child processes
  // make their own choice.
  setenv("OPENBLAS_CORETYPE", target[cpu], 1);
  quit();
  init();
  unsetenv("OPENBLAS_CORETYPE");
  r.after = openblas_core();
  return r;
}

}  // namespace cords
