#include "cords/pipeline/clip_plan.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace cords::pipeline {

std::vector<Window> merged_windows(const std::vector<Keyframe>& keyframes, double before_s, double after_s,
                                   const std::vector<std::pair<double, double>>* shots) {
  std::vector<Window> windows;
  for (std::size_t i = 0; i < keyframes.size(); ++i) {
    const Rational tb = keyframes[i].ts.time_base;
    const auto ticks = [&](double seconds) { return Timestamp::nearest(seconds, tb).pts; };
    const std::int64_t t = keyframes[i].ts.pts, before = ticks(before_s);
    std::int64_t a = before > 0 ? std::max<std::int64_t>(0, t - before) : t, b = t + ticks(after_s);
    if (shots && keyframes[i].shot >= 0 && static_cast<std::size_t>(keyframes[i].shot) < shots->size()) {
      const auto [lo_s, hi_s] = (*shots)[static_cast<std::size_t>(keyframes[i].shot)];
      const std::int64_t lo = ticks(lo_s),
                         hi = std::isinf(hi_s) ? std::numeric_limits<std::int64_t>::max() : ticks(hi_s);
      const std::int64_t len = b - a;
      a = std::max(a, lo);
      b = std::min(a + len, hi);
      a = std::min(t, std::max(lo, b - len));
      b = std::max(b, t);
    }
    if (!windows.empty() && a <= windows.back().end) {
      windows.back().end = std::max(windows.back().end, b);
      windows.back().keys.push_back(i);
    } else {
      windows.push_back({a, b, {i}, tb});
    }
  }
  return windows;
}

}  // namespace cords::pipeline
