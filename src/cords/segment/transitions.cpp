#include "cords/segment/transitions.h"

#include <algorithm>
#include <cmath>

namespace cords::segment {

const char* to_string(TransitionKind k) {
  switch (k) {
    case TransitionKind::Cut:
      return "cut";
    case TransitionKind::Fade:
      return "fade";
    case TransitionKind::Dissolve:
      return "dissolve";
  }
  return "cut";
}

bool Transitions::in_transition(std::int64_t f) const {
  // spans are few (tens): a binary search on `first` would do, but a scan keeps it obviously right.
  for (const Span& s : spans)
    if (f >= s.first && f <= s.last) return true;
  return false;
}

namespace {

Span make_span(const std::vector<FrameStat>& st, std::size_t a, std::size_t b, TransitionKind kind) {
  return {st[a].frame, st[b].frame, st[a].seconds, st[b].seconds, kind};
}

}  // namespace

// One piece: the detector's passes over the frame statistics in the order docs/video.md explains them (cuts,
// flashes, fades, dissolves), each commented; split, they would pass a dozen arrays between them.
Transitions detect_transitions(const std::vector<FrameStat>& st, const TransitionOptions& o) {
  Transitions out;
  const std::size_t n = st.size();
  if (n < 2) return out;
  std::vector<Boundary> found;
  std::vector<char> soft(n, 0);  // inside a fade or dissolve: no hard cut there

  // 1. Fades through black or white: runs of uniform frames, widened by the frames that move steadily towards them.
  const auto uniform_kind = [&](std::size_t i) {  // 0 none, 1 black, 2 white
    if (st[i].spread >= o.uniform_spread) return 0;
    if (st[i].luma < o.dark_luma) return 1;
    if (st[i].luma > o.bright_luma) return 2;
    return 0;
  };
  constexpr float kStep = 0.25f;  // luma must move by at least this per frame to count as fading
  for (std::size_t a = 0; a < n;) {
    const int kind = uniform_kind(a);
    if (kind == 0) {
      ++a;
      continue;
    }
    std::size_t b = a;
    while (b + 1 < n && uniform_kind(b + 1) == kind) ++b;
    // Towards black, luma falls frame by frame into the run and rises out of it; towards white the reverse.
    const auto towards = [&](std::size_t from,
                             std::size_t to) {  // frame `from` is one step further from the run than `to`
      return kind == 1 ? st[from].luma > st[to].luma + kStep : st[from].luma + kStep < st[to].luma;
    };
    std::size_t fa = a, fb = b;
    while (fa > 0 && st[a].seconds - st[fa - 1].seconds <= o.fade_seconds && towards(fa - 1, fa)) --fa;
    while (fb + 1 < n && st[fb + 1].seconds - st[b].seconds <= o.fade_seconds && towards(fb + 1, fb)) ++fb;
    // One or two uniform frames entered and left abruptly, with the same picture on both sides: a flash.
    const std::size_t len = b - a + 1;
    const float across = len == 1 && b + 1 < n ? st[b + 1].diff2 : len == 2 && b + 1 < n ? st[b + 1].diff3 : -1;
    if (a - fa < 2 && fb - b < 2 && a > 0 && across >= 0 && across < o.min_change) {  // (no ramp of 2+ frames)
      out.spans.push_back(make_span(st, a, b, TransitionKind::Cut));
      for (std::size_t i = a; i <= b + 1; ++i) soft[i] = 1;  // (and the frame after it: no cut out of the flash)
      a = b + 1;
      continue;
    }
    out.spans.push_back(make_span(st, fa, fb, TransitionKind::Fade));
    for (std::size_t i = fa; i <= fb; ++i) soft[i] = 1;
    if (a > 0 && b + 1 < n) {  // content on both sides: a boundary in the middle of the run
      const std::size_t mid = (a + b + 1) / 2;
      found.push_back({st[mid].frame, st[mid].seconds, TransitionKind::Fade});
    }
    a = b + 1;
  }

  // 2. Hard cuts, adaptively, outside fades; flashes are not cuts. (Those inside a dissolve are dropped below.)
  std::vector<std::size_t> cut_at;
  const int w = std::max(1, o.window);
  for (std::size_t i = 1; i < n; ++i) {
    const float score = st[i].diff;
    if (soft[i] || score < o.min_change) continue;
    if (uniform_kind(i) != 0 || uniform_kind(i - 1) != 0) continue;  // into or out of a black/white run: step 1's
    double sum = 0;
    int count = 0;
    for (std::ptrdiff_t j = static_cast<std::ptrdiff_t>(i) - w; j <= static_cast<std::ptrdiff_t>(i) + w; ++j) {
      if (j < 1 || j >= static_cast<std::ptrdiff_t>(n) || j == static_cast<std::ptrdiff_t>(i)) continue;
      if (st[static_cast<std::size_t>(j)].diff < 0) continue;
      sum += st[static_cast<std::size_t>(j)].diff;
      ++count;
    }
    const double local = count > 0 ? sum / count : 0;
    if (score < o.threshold * std::max(local, 1.0)) continue;
    // A flash: one or two frames later the picture is back to the one before the change.
    const double back = std::min(0.5 * score, o.min_change);
    const bool flash1 = i + 1 < n && st[i + 1].diff2 >= 0 && st[i + 1].diff2 < back;
    const bool flash2 = i + 2 < n && st[i + 2].diff3 >= 0 && st[i + 2].diff3 < back;
    if (flash1 || flash2) {
      out.spans.push_back(make_span(st, i, flash1 ? i : i + 1, TransitionKind::Cut));
      continue;
    }
    cut_at.push_back(i);
  }

  // 3. Dissolves: at least three consecutive centres of linear windows with enough change across them.
  const auto linear = [&](std::size_t i) {
    return !soft[i] && st[i].span >= o.min_change && st[i].mix >= 0 && st[i].mix <= o.dissolve_linearity * st[i].span;
  };
  for (std::size_t a = 0; a < n;) {
    if (!linear(a)) {
      ++a;
      continue;
    }
    std::size_t b = a;
    while (b + 1 < n && linear(b + 1)) ++b;
    if (b - a + 1 < 3) {
      a = b + 1;
      continue;
    }
    // A dissolve is an event: the change across its window is larger than across the windows 0.7-1.5 s before and
    // after it, inside the shots (the least of them: a cut nearby makes some large). Steady motion can be linear too
    // (a scrolling gradient, a slow zoom on smooth colour), but it changes as much there. Around the run only the
    // part of a window's change that a blend would explain counts (span less mix): a camera that moves on either
    // side (a zoom, a whip pan) changes its windows a lot, but not linearly, and must not hide the dissolve. Without
    // frames on either side to compare with, nothing is called a dissolve. The frames are looked at outwards from the
    // run, only as far as the times reach (stats come in display order).
    const auto span_min = [&](std::size_t from_index, int step, double from, double to) {  // -1 if none
      double least = -1;
      for (auto i = static_cast<std::ptrdiff_t>(from_index); i >= 0 && i < static_cast<std::ptrdiff_t>(n); i += step) {
        const FrameStat& f = st[static_cast<std::size_t>(i)];
        if (step < 0 ? f.seconds < from : f.seconds > to) break;
        if (f.seconds < from || f.seconds > to || f.span < 0) continue;
        const double v = f.span - std::max(0.0f, f.mix);  // the part of the change a blend would explain
        if (least < 0 || v < least) least = std::max(0.0, v);
      }
      return least;
    };
    float peak = 0;
    for (std::size_t i = a; i <= b; ++i) peak = std::max(peak, st[i].span);
    // A side with a hard cut within 1.5 s has no clean window to compare with (the windows there span the cut).
    const auto cut_between = [&](double from, double to) {
      for (std::size_t c : cut_at)
        if (st[c].seconds >= from && st[c].seconds <= to) return true;
      return false;
    };
    const double before = cut_between(st[a].seconds - 1.5, st[a].seconds)
                              ? -1
                              : span_min(a, -1, st[a].seconds - 1.5, st[a].seconds - 0.7);
    const double after =
        cut_between(st[b].seconds, st[b].seconds + 1.5) ? -1 : span_min(b, 1, st[b].seconds + 0.7, st[b].seconds + 1.5);
    const bool event = (before >= 0 || after >= 0) && peak >= o.dissolve_contrast * std::max({before, after, 1.0});
    if (event) {
      // The blend extends beyond the centres whose windows are linear: widen while frames keep changing at about
      // the rate inside, on either side at most half the run's length and 2 s (a camera that keeps moving after the
      // blend changes its frames at that rate too).
      double inside = 0;
      int count = 0;
      for (std::size_t i = a; i <= b; ++i)
        if (st[i].diff >= 0) {
          inside += st[i].diff;
          ++count;
        }
      const double rate = count > 0 ? inside / count : 0;
      std::size_t fa = a, fb = b;
      const double reach = std::min(2.0, 0.5 * (st[b].seconds - st[a].seconds));
      while (fa > 0 && st[a].seconds - st[fa - 1].seconds <= reach && st[fa].diff >= 0.6 * rate && rate > 0) --fa;
      while (fb + 1 < n && st[fb + 1].seconds - st[b].seconds <= reach && st[fb + 1].diff >= 0.6 * rate && rate > 0)
        ++fb;
      out.spans.push_back(make_span(st, fa, fb, TransitionKind::Dissolve));
      for (std::size_t i = fa; i <= fb; ++i) soft[i] = 1;
      const std::size_t mid = (a + b + 1) / 2;
      found.push_back({st[mid].frame, st[mid].seconds, TransitionKind::Dissolve});
    }
    a = b + 1;
  }

  for (std::size_t c : cut_at)
    if (!soft[c]) found.push_back({st[c].frame, st[c].seconds, TransitionKind::Cut});

  // 4. In time order; a boundary too close to the one before (or to the start) is dropped.
  std::sort(found.begin(), found.end(), [](const Boundary& x, const Boundary& y) { return x.frame < y.frame; });
  double last = st.front().seconds;
  for (const Boundary& b : found) {
    if (b.seconds - last < o.min_shot_seconds) continue;
    out.boundaries.push_back(b);
    last = b.seconds;
  }
  std::sort(out.spans.begin(), out.spans.end(), [](const Span& x, const Span& y) { return x.first < y.first; });
  return out;
}

}  // namespace cords::segment
