#pragma once
// Torch-only helper (include only from files that already include torch headers).
#include <ATen/autocast_mode.h>
#include <torch/version.h>

namespace cords::embed {

// CUDA autocast for one scope: fp16 convolutions and matrix products even where a (frozen or traced) model keeps
// its weights as float constants that Module::to(kHalf) does not convert.
class AutocastCuda {
 public:
  explicit AutocastCuda(bool on) : on_(on) {
    if (on_) {
      prev_ = enabled();
      set(true);
    }
  }
  ~AutocastCuda() {
    if (on_) set(prev_);
  }
  AutocastCuda(const AutocastCuda&) = delete;
  AutocastCuda& operator=(const AutocastCuda&) = delete;

 private:
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
  static bool enabled() {
    return at::autocast::is_autocast_enabled(at::kCUDA);
  }
  static void set(bool v) {
    at::autocast::set_autocast_enabled(at::kCUDA, v);
  }
#else
  static bool enabled() {
    return at::autocast::is_enabled();
  }
  static void set(bool v) {
    at::autocast::set_enabled(v);
  }
#endif
  bool on_;
  bool prev_ = false;
};

}  // namespace cords::embed
