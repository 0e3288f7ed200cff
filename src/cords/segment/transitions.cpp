#include "cords/segment/transitions.h"

#include <algorithm>
#include <cmath>
#include <map>

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

// The detector's passes over the frame statistics, in the order docs/video.md explains them (fades and flashes
// through black or white, hard cuts and flashes, dissolves, then the boundaries in time order). They share the
// frames marked soft (inside a fade or dissolve: no hard cut there), the cut candidates and what was found.
class Detector {
 public:
  Detector(const std::vector<FrameStat>& st, const TransitionOptions& o)
      : st_(st), o_(o), n_(st.size()), soft_(n_, 0) {}

  Transitions run() {
    fades();
    cuts();
    dissolves();
    for (std::size_t c : cut_at_)
      if (!soft_[c]) {
        found_.push_back({st_[c].frame, st_[c].seconds, TransitionKind::Cut});
        strength_[st_[c].frame] = st_[c].diff / std::max(local_change(c), 1.0);
      }
    return finish();
  }

 private:
  // 0 none, 1 black, 2 white.
  int uniform_kind(std::size_t i) const {
    if (st_[i].spread >= o_.uniform_spread) return 0;
    if (st_[i].luma < o_.dark_luma) return 1;
    if (st_[i].luma > o_.bright_luma) return 2;
    return 0;
  }

  // 1. Fades through black or white: runs of uniform frames, widened by the frames that move steadily towards them.
  void fades() {
    for (std::size_t a = 0; a < n_;) {
      const int kind = uniform_kind(a);
      if (kind == 0) {
        ++a;
        continue;
      }
      std::size_t b = a;
      while (b + 1 < n_ && uniform_kind(b + 1) == kind) ++b;
      uniform_run(a, b, kind);
      a = b + 1;
    }
  }

  // The uniform run [a, b] of `kind`: a flash, or a fade with its ramps (and a boundary when content is on both sides).
  void uniform_run(std::size_t a, std::size_t b, int kind) {
    constexpr float kStep = 0.25f;  // luma must move by at least this per frame to count as fading
    // Towards black, luma falls frame by frame into the run and rises out of it; towards white the reverse. Frame
    // `from` is one step further from the run than `to`.
    const auto towards = [&](std::size_t from, std::size_t to) {
      return kind == 1 ? st_[from].luma > st_[to].luma + kStep : st_[from].luma + kStep < st_[to].luma;
    };
    std::size_t fa = a, fb = b;
    while (fa > 0 && st_[a].seconds - st_[fa - 1].seconds <= o_.fade_seconds && towards(fa - 1, fa)) --fa;
    while (fb + 1 < n_ && st_[fb + 1].seconds - st_[b].seconds <= o_.fade_seconds && towards(fb + 1, fb)) ++fb;
    // One or two uniform frames entered and left abruptly, with the same picture on both sides: a flash.
    const std::size_t len = b - a + 1;
    const float across = len == 1 && b + 1 < n_ ? st_[b + 1].diff2 : len == 2 && b + 1 < n_ ? st_[b + 1].diff3 : -1;
    if (a - fa < 2 && fb - b < 2 && a > 0 && across >= 0 && across < o_.min_change) {  // (no ramp of 2+ frames)
      out_.spans.push_back(make_span(st_, a, b, TransitionKind::Cut));
      for (std::size_t i = a; i <= b + 1; ++i) soft_[i] = 1;  // (and the frame after it: no cut out of the flash)
      return;
    }
    out_.spans.push_back(make_span(st_, fa, fb, TransitionKind::Fade));
    for (std::size_t i = fa; i <= fb; ++i) soft_[i] = 1;
    if (a > 0 && b + 1 < n_) {  // content on both sides: a boundary in the middle of the run
      const std::size_t mid = (a + b + 1) / 2;
      found_.push_back({st_[mid].frame, st_[mid].seconds, TransitionKind::Fade});
    }
  }

  // The mean change of the frames around i (a window of o.window on either side, i itself left out). Repeated
  // frames (a change under 0.5: 12 fps animation at 24 fps, telecine) are left out, else they halve the mean and an
  // ordinary change looks like a cut.
  double local_change(std::size_t i) const {
    const int w = std::max(1, o_.window);
    double sum = 0;
    int count = 0;
    for (std::ptrdiff_t j = static_cast<std::ptrdiff_t>(i) - w; j <= static_cast<std::ptrdiff_t>(i) + w; ++j) {
      if (j < 1 || j >= static_cast<std::ptrdiff_t>(n_) || j == static_cast<std::ptrdiff_t>(i)) continue;
      if (st_[static_cast<std::size_t>(j)].diff < 0.5f) continue;
      sum += st_[static_cast<std::size_t>(j)].diff;
      ++count;
    }
    return count > 0 ? sum / count : 0;
  }

  // 2. Hard cuts, adaptively, outside fades; flashes are not cuts. (Those inside a dissolve are dropped later.)
  void cuts() {
    for (std::size_t i = 1; i < n_; ++i) {
      const float score = st_[i].diff;
      if (soft_[i] || score < o_.min_change) continue;
      if (uniform_kind(i) != 0 || uniform_kind(i - 1) != 0) continue;  // into or out of a black/white run: fades'
      if (score < o_.threshold * std::max(local_change(i), 1.0)) continue;
      // A flash: one or two frames later the picture is back to the one before the change.
      const double back = std::min(0.5 * score, o_.min_change);
      const bool flash1 = i + 1 < n_ && st_[i + 1].diff2 >= 0 && st_[i + 1].diff2 < back;
      const bool flash2 = i + 2 < n_ && st_[i + 2].diff3 >= 0 && st_[i + 2].diff3 < back;
      if (flash1 || flash2) {
        out_.spans.push_back(make_span(st_, i, flash1 ? i : i + 1, TransitionKind::Cut));
        continue;
      }
      cut_at_.push_back(i);
    }
  }

  bool linear(std::size_t i) const {
    return !soft_[i] && st_[i].span >= o_.min_change && st_[i].mix >= 0 &&
           st_[i].mix <= o_.dissolve_linearity * st_[i].span;
  }

  // 3. Dissolves: at least three consecutive centres of linear windows with enough change across them.
  void dissolves() {
    for (std::size_t a = 0; a < n_;) {
      if (!linear(a)) {
        ++a;
        continue;
      }
      std::size_t b = a;
      while (b + 1 < n_ && linear(b + 1)) ++b;
      if (b - a + 1 >= 3 && dissolve_event(a, b)) add_dissolve(a, b);
      a = b + 1;
    }
  }

  // The least change across windows 0.7-1.5 s from the run (only the part a blend would explain: span less mix),
  // looked at outwards from `from_index` in direction `step`, as far as the times reach; -1 if none.
  double span_min(std::size_t from_index, int step, double from, double to) const {
    double least = -1;
    for (auto i = static_cast<std::ptrdiff_t>(from_index); i >= 0 && i < static_cast<std::ptrdiff_t>(n_); i += step) {
      const FrameStat& f = st_[static_cast<std::size_t>(i)];
      if (step < 0 ? f.seconds < from : f.seconds > to) break;
      if (f.seconds < from || f.seconds > to || f.span < 0) continue;
      const double v = f.span - std::max(0.0f, f.mix);
      if (least < 0 || v < least) least = std::max(0.0, v);
    }
    return least;
  }

  bool cut_between(double from, double to) const {
    for (std::size_t c : cut_at_)
      if (st_[c].seconds >= from && st_[c].seconds <= to) return true;
    return false;
  }

  // A dissolve is an event: the change across its window is larger than across the windows 0.7-1.5 s before and
  // after it, inside the shots (the least of them: a cut nearby makes some large). Steady motion can be linear too
  // (a scrolling gradient, a slow zoom on smooth colour), but it changes as much there. Around the run only the part
  // of a window's change that a blend would explain counts: a camera that moves on either side (a zoom, a whip pan)
  // changes its windows a lot, but not linearly, and must not hide the dissolve. Without frames on either side to
  // compare with, nothing is called a dissolve. A side with a hard cut within 1.5 s has no clean window to compare
  // with (the windows there span the cut).
  bool dissolve_event(std::size_t a, std::size_t b) const {
    float peak = 0;
    for (std::size_t i = a; i <= b; ++i) peak = std::max(peak, st_[i].span);
    const double ta = st_[a].seconds, tb = st_[b].seconds;
    const double before = cut_between(ta - 1.5, ta) ? -1 : span_min(a, -1, ta - 1.5, ta - 0.7);
    const double after = cut_between(tb, tb + 1.5) ? -1 : span_min(b, 1, tb + 0.7, tb + 1.5);
    return (before >= 0 || after >= 0) && peak >= o_.dissolve_contrast * std::max({before, after, 1.0});
  }

  // The blend extends beyond the centres whose windows are linear: widen while frames keep changing at about the
  // rate inside, on either side at most half the run's length and 2 s (a camera that keeps moving after the blend
  // changes its frames at that rate too).
  void add_dissolve(std::size_t a, std::size_t b) {
    double inside = 0;
    int count = 0;
    for (std::size_t i = a; i <= b; ++i)
      if (st_[i].diff >= 0) {
        inside += st_[i].diff;
        ++count;
      }
    const double rate = count > 0 ? inside / count : 0;
    std::size_t fa = a, fb = b;
    const double reach = std::min(2.0, 0.5 * (st_[b].seconds - st_[a].seconds));
    while (fa > 0 && st_[a].seconds - st_[fa - 1].seconds <= reach && st_[fa].diff >= 0.6 * rate && rate > 0) --fa;
    while (fb + 1 < n_ && st_[fb + 1].seconds - st_[b].seconds <= reach && st_[fb + 1].diff >= 0.6 * rate && rate > 0)
      ++fb;
    out_.spans.push_back(make_span(st_, fa, fb, TransitionKind::Dissolve));
    for (std::size_t i = fa; i <= fb; ++i) soft_[i] = 1;
    const std::size_t mid = (a + b + 1) / 2;
    found_.push_back({st_[mid].frame, st_[mid].seconds, TransitionKind::Dissolve});
  }

  // 4. In time order. Of two boundaries closer than --min-shot-length one stays: a fade (a run of black or white
  // frames) before a cut, a cut (a sharp change, against the changes around it) before a dissolve (a slow one, which
  // old film's flicker can imitate), of two cuts the larger change over the mean change around it; a boundary too
  // close to the start is dropped. (Keeping the first one let a flicker in an old film drop the real cut after it.)
  Transitions finish() {
    std::sort(found_.begin(), found_.end(), [](const Boundary& x, const Boundary& y) { return x.frame < y.frame; });
    const auto strength = [&](const Boundary& b) {  // (rank, then the cut's ratio)
      const auto it = strength_.find(b.frame);
      const double rank = b.kind == TransitionKind::Fade ? 2 : b.kind == TransitionKind::Cut ? 1 : 0;
      return std::make_pair(rank, b.kind == TransitionKind::Cut && it != strength_.end() ? it->second : 0.0);
    };
    const double first = st_.front().seconds;
    std::vector<std::int64_t> lost;  // dissolves that gave way: their spans go too (not a transition after all)
    for (const Boundary& b : found_) {
      if (b.seconds - first < o_.min_shot_seconds) continue;
      if (!out_.boundaries.empty() && b.seconds - out_.boundaries.back().seconds < o_.min_shot_seconds) {
        const bool wins = strength(b) > strength(out_.boundaries.back());
        const Boundary& loser = wins ? out_.boundaries.back() : b;
        if (loser.kind == TransitionKind::Dissolve) lost.push_back(loser.frame);
        if (wins) out_.boundaries.back() = b;
        continue;
      }
      out_.boundaries.push_back(b);
    }
    for (const std::int64_t f : lost)
      out_.spans.erase(std::remove_if(out_.spans.begin(), out_.spans.end(),
                                      [&](const Span& s) {
                                        return s.kind == TransitionKind::Dissolve && s.first <= f && f <= s.last;
                                      }),
                       out_.spans.end());
    std::sort(out_.spans.begin(), out_.spans.end(), [](const Span& x, const Span& y) { return x.first < y.first; });
    return std::move(out_);
  }

  const std::vector<FrameStat>& st_;
  const TransitionOptions& o_;
  std::size_t n_;
  std::vector<char> soft_;  // inside a fade or dissolve: no hard cut there
  std::vector<std::size_t> cut_at_;
  std::map<std::int64_t, double> strength_;  // a cut's frame -> its change over the mean change around it
  std::vector<Boundary> found_;
  Transitions out_;
};

}  // namespace

Transitions detect_transitions(const std::vector<FrameStat>& st, const TransitionOptions& o) {
  if (st.size() < 2) return {};
  return Detector(st, o).run();
}

}  // namespace cords::segment
