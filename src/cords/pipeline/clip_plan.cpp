#include "cords/pipeline/clip_plan.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

namespace cords::pipeline {

std::vector<Window> merged_windows(const std::vector<Keyframe>& keyframes, double before_s, double after_s,
                                   const std::vector<std::pair<double, double>>* shots, bool only_clip) {
  std::vector<Window> windows;
  for (std::size_t i = 0; i < keyframes.size(); ++i) {
    const bool clip = keyframes[i].in_clip();
    if (only_clip && !clip) continue;
    const Rational tb = keyframes[i].ts.time_base;
    const auto ticks = [&](double seconds) { return Timestamp::nearest(seconds, tb).pts; };
    const std::int64_t t = keyframes[i].ts.pts, before = clip ? ticks(before_s) : 0;
    std::int64_t a = before > 0 ? std::max<std::int64_t>(0, t - before) : t, b = t + (clip ? ticks(after_s) : 0);
    if (clip && shots && keyframes[i].shot >= 0 && static_cast<std::size_t>(keyframes[i].shot) < shots->size()) {
      const auto [lo_s, hi_s] = (*shots)[static_cast<std::size_t>(keyframes[i].shot)];
      const std::int64_t lo = ticks(lo_s),
                         hi = std::isinf(hi_s) ? std::numeric_limits<std::int64_t>::max() : ticks(hi_s);
      const std::int64_t len = b - a;
      a = std::max(a, lo);
      b = std::min(a + len, hi);
      a = std::min(t, std::max(lo, b - len));
      b = std::max(b, t);
    }
    // Overlapping windows merge; a keyframe outside the clip joins a clip window only when inside it.
    Window* last = windows.empty() ? nullptr : &windows.back();
    if (last && a <= last->end && (clip == last->clip || (!clip && b <= last->end))) {
      last->end = std::max(last->end, b);
      last->keys.push_back(i);
    } else if (last && clip && !last->clip && a <= last->end) {  // a point window the clip window now covers
      last->start = std::min(last->start, a);
      last->end = std::max(last->end, b);
      last->clip = true;
      last->keys.push_back(i);
    } else {
      windows.push_back({a, b, {i}, tb, clip});
    }
  }
  return windows;
}

ClipChoice choose_clip(std::vector<Keyframe>& keyframes, double video_s, const ClipOptions& o) {
  ClipChoice c;
  if (keyframes.empty()) return c;
  const double video = std::max(video_s, 0.0);
  if (o.clip_length > 0)
    c.target_s = o.clip_length_percent ? video * o.clip_length / 100.0 : std::min(o.clip_length, video);
  else
    c.target_s = std::min({std::clamp(0.15 * video, 3.0, 60.0), 0.5 * video});
  c.window_s = o.clip_seconds;
  c.windows = std::clamp<std::size_t>(static_cast<std::size_t>(std::floor(c.target_s / c.window_s + 1e-9)), 1,
                                      keyframes.size());
  // Windows share the length out (longer than clip_seconds when the keyframes are fewer than the length needs).
  c.window_s = std::max(c.window_s, c.target_s / static_cast<double>(c.windows));
  // Most representative first, one per shot before a second of any shot (the clip covers the distinct shots first):
  // by round (a keyframe's rank among its shot's by representativeness), then representativeness, then gain.
  std::vector<std::size_t> order(keyframes.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  const auto more_representative = [&](std::size_t a, std::size_t b) {
    if (keyframes[a].represents != keyframes[b].represents) return keyframes[a].represents > keyframes[b].represents;
    return keyframes[a].gain > keyframes[b].gain;
  };
  std::stable_sort(order.begin(), order.end(), more_representative);
  std::vector<std::size_t> round(keyframes.size(), 0);
  std::map<std::int64_t, std::size_t> seen;  // shot -> keyframes of it ranked so far
  for (const std::size_t i : order) round[i] = seen[keyframes[i].shot]++;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return round[a] < round[b]; });
  for (auto& k : keyframes) k.clip_rank = -1;
  for (std::size_t r = 0; r < c.windows; ++r) keyframes[order[r]].clip_rank = static_cast<int>(r);
  return c;
}

}  // namespace cords::pipeline
