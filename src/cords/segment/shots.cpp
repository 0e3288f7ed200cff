#include "cords/segment/shots.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "cords/core/check.h"

namespace cords::segment {

// One piece: one scan over the samples with the cut and the fade rules side by side (they share the window).
std::vector<Shot> detect_shots(MatrixView e, const std::vector<double>& luma, const std::vector<double>& times,
                               const ShotOptions& o) {
  const Index n = e.rows;
  CORDS_CHECK(static_cast<Index>(luma.size()) == n && static_cast<Index>(times.size()) == n, "sizes differ");
  std::vector<Shot> shots;
  if (n == 0) return shots;

  std::vector<double> d(static_cast<std::size_t>(n), 0.0);
  for (Index t = 1; t < n; ++t) {
    double dot = 0;
    for (Index j = 0; j < e.cols; ++j) dot += static_cast<double>(e(t, j)) * e(t - 1, j);
    d[static_cast<std::size_t>(t)] = 1.0 - dot;
  }
  auto dark = [&](Index t) { return luma[static_cast<std::size_t>(t)] < o.dark_luma; };

  // Boundaries: t starts a new shot.
  std::vector<char> starts(static_cast<std::size_t>(n), 0);
  std::vector<char> after_fade(static_cast<std::size_t>(n), 0);
  std::vector<double> local;
  for (Index t = 1; t < n; ++t) {
    if (dark(t - 1) && !dark(t)) {  // a fade (or a black gap) ends here
      starts[static_cast<std::size_t>(t)] = 1;
      after_fade[static_cast<std::size_t>(t)] = 1;
      continue;
    }
    if (dark(t)) continue;  // inside a fade: its frames stay with the shot before
    bool fading = false;    // a black frame nearby: this change is the fade, whose boundary is the dark run's
    for (Index u = t - 1;
         u >= 0 && times[static_cast<std::size_t>(t)] - times[static_cast<std::size_t>(u)] <= o.fade_seconds && !fading;
         --u)
      fading = dark(u);
    for (Index u = t + 1;
         u < n && times[static_cast<std::size_t>(u)] - times[static_cast<std::size_t>(t)] <= o.fade_seconds && !fading;
         ++u)
      fading = dark(u);
    if (fading) continue;
    local.clear();
    for (Index u = std::max<Index>(1, t - o.window); u <= std::min(n - 1, t + o.window); ++u)
      if (u != t) local.push_back(d[static_cast<std::size_t>(u)]);
    double median = 0;
    if (!local.empty()) {
      std::nth_element(local.begin(), local.begin() + static_cast<std::ptrdiff_t>(local.size() / 2), local.end());
      median = local[local.size() / 2];
    }
    const double dt = d[static_cast<std::size_t>(t)];
    if (dt > o.min_change && dt > o.ratio * median) starts[static_cast<std::size_t>(t)] = 1;
  }

  Shot cur{0, 0, times[0], times[0], false};
  for (Index t = 1; t < n; ++t) {
    if (starts[static_cast<std::size_t>(t)] &&
        times[static_cast<std::size_t>(t)] - cur.start >= o.min_shot_seconds - 1e-9) {
      cur.last = t - 1;
      cur.end = times[static_cast<std::size_t>(t - 1)];
      shots.push_back(cur);
      cur = Shot{t, t, times[static_cast<std::size_t>(t)], times[static_cast<std::size_t>(t)],
                 after_fade[static_cast<std::size_t>(t)] != 0};
    }
  }
  cur.last = n - 1;
  cur.end = times[static_cast<std::size_t>(n - 1)];
  shots.push_back(cur);
  return shots;
}

std::vector<char> usable_samples(const std::vector<double>& luma, const std::vector<double>& times,
                                 const std::vector<Shot>& shots, const ShotOptions& o) {
  const auto n = static_cast<Index>(luma.size());
  CORDS_CHECK(static_cast<Index>(times.size()) == n, "sizes differ");
  const auto at = [](Index t) { return static_cast<std::size_t>(t); };
  std::vector<char> dark(at(n)), near_dark(at(n)), usable(at(n), 1);
  for (Index t = 0; t < n; ++t) dark[at(t)] = luma[at(t)] < o.dark_luma;
  // Samples within fade_seconds of a black one (two sweeps over the sorted times).
  double last_dark = -std::numeric_limits<double>::infinity();
  for (Index t = 0; t < n; ++t) {
    if (dark[at(t)]) last_dark = times[at(t)];
    near_dark[at(t)] = times[at(t)] - last_dark <= o.fade_seconds;
  }
  last_dark = std::numeric_limits<double>::infinity();
  for (Index t = n - 1; t >= 0; --t) {
    if (dark[at(t)]) last_dark = times[at(t)];
    near_dark[at(t)] = near_dark[at(t)] || last_dark - times[at(t)] <= o.fade_seconds;
  }
  for (const Shot& s : shots) {
    std::vector<double> clean;
    for (Index t = s.first; t <= s.last && t < n; ++t)
      if (!near_dark[at(t)]) clean.push_back(luma[at(t)]);
    double reference = 0;
    if (!clean.empty()) {
      std::nth_element(clean.begin(), clean.begin() + static_cast<std::ptrdiff_t>(clean.size() / 2), clean.end());
      reference = clean[clean.size() / 2];
    } else {
      for (Index t = s.first; t <= s.last && t < n; ++t) reference = std::max(reference, luma[at(t)]);
    }
    bool any = false;
    for (Index t = s.first; t <= s.last && t < n; ++t) {
      usable[at(t)] = !dark[at(t)] && !(near_dark[at(t)] && luma[at(t)] < o.fade_luma_ratio * reference);
      any = any || usable[at(t)];
    }
    for (Index t = s.first; !any && t <= s.last && t < n; ++t) usable[at(t)] = !dark[at(t)];
  }
  return usable;
}

std::vector<std::int64_t> shot_labels(const std::vector<Shot>& shots, std::int64_t n) {
  std::vector<std::int64_t> labels(static_cast<std::size_t>(n), 0);
  for (std::size_t s = 0; s < shots.size(); ++s)
    for (auto t = shots[s].first; t <= shots[s].last && t < n; ++t)
      labels[static_cast<std::size_t>(t)] = static_cast<std::int64_t>(s);
  return labels;
}

}  // namespace cords::segment
