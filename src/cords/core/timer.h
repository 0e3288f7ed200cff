#pragma once
#include <chrono>

namespace cords {

/// Wall-clock stopwatch (steady clock), started on construction.
class Stopwatch {
 public:
  Stopwatch() : start_(std::chrono::steady_clock::now()) {}
  void restart() { start_ = std::chrono::steady_clock::now(); }
  double seconds() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count(); }

 private:
  std::chrono::steady_clock::time_point start_;
};

/// Peak resident set size of this process so far, in bytes (0 where the platform does not say).
long long peak_rss_bytes();

}  // namespace cords
