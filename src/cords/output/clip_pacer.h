#pragma once
// ClipPacer: a summary clip's pictures and sound at the clip's constant rate, window after window, with crossfades
// (docs/video.md, "Clip"). It writes to a ClipSink: the clip writer (writers.h), or a test's recorder.
#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

#include "cords/core/image.h"
#include "cords/core/timestamp.h"

namespace cords::output {

/// Where paced pictures and sound go, in order.
class ClipSink {
 public:
  virtual ~ClipSink() = default;
  virtual void write(Yuv420 pic) = 0;
  virtual void write_audio(std::vector<float> pcm) = 0;
};

// Paces a window's decoded frames onto the clip's constant rate: each slot of 1/rate seconds shows the latest frame
// shown by then (with half a slot of tolerance), so variable-rate input plays at its real speed, frames repeated where
// the input is slower than the clip and left out where it is faster; constant-rate input gives one slot per frame.
// With a crossfade of n slots, the last n slots of a window (pictures and sound) are blended into the first n of the
// next one (fewer where a window is shorter), so the clip is n slots shorter at each joint. Frame times are pts in
// `time_base` and the rate a rational number, so a frame's slot is exact.
class ClipPacer {
 public:
  ClipPacer(ClipSink& clip, Rational rate, Rational time_base, int crossfade_slots, int sample_rate, int channels)
      : clip_(clip),
        rate_(rate),
        tb_(time_base),
        fade_(std::max(0, crossfade_slots)),
        sample_rate_(sample_rate),
        channels_(channels) {}
  /// A window begins (its frames follow in time order): the held end of the previous one becomes the tail to fade.
  void begin() {
    first_.reset();
    window_first_ = slots_;
    have_ = false;
    tail_ = std::move(ring_);
    ring_.clear();
    fade_total_ = static_cast<int>(tail_.size());
    blended_ = 0;
  }
  /// A frame of the window, shown from `pts`: the frame before it fills the slots before that.
  void add(std::int64_t pts, Yuv420 pic) {
    if (!first_) first_ = pts;
    fill_to(slot_of(pts));
    held_ = std::move(pic);
    held_pts_ = pts;
    have_ = true;
  }
  /// The window's pictures end at `until` (pts where the next frame is shown, or the stream ends); its last frame
  /// lasts one slot when `until` is not after it. Its sound follows with sound().
  void end(std::int64_t until) {
    if (have_) fill_to(until > held_pts_ ? slot_of(until) : slot_of(held_pts_) + 1);
    have_ = false;
    tail_.clear();  // a window shorter than the fade: the rest of the previous one's end is left out
  }
  /// The window's sound (interleaved), exactly as long as its slots: faded and held back as its pictures were.
  void sound(std::vector<float> pcm) {
    const auto samples = [&](std::size_t n_slots) {
      return static_cast<std::size_t>(std::llround(static_cast<double>(n_slots) * sample_rate_ / rate_.value())) *
             static_cast<std::size_t>(channels_);
    };
    const std::size_t faded = std::min({samples(static_cast<std::size_t>(blended_)), pcm.size(), sound_tail_.size()});
    for (std::size_t i = 0; i < faded; ++i) {
      const double w = (static_cast<double>(i) + 0.5) / static_cast<double>(faded);  // weight of the new sound
      pcm[i] = static_cast<float>((1.0 - w) * sound_tail_[i] + w * pcm[i]);
    }
    sound_tail_.clear();
    const std::size_t hold = std::min(samples(ring_.size()), pcm.size() - faded);
    sound_tail_.assign(pcm.end() - static_cast<std::ptrdiff_t>(hold), pcm.end());
    pcm.resize(pcm.size() - hold);
    clip_.write_audio(std::move(pcm));
  }
  /// Writes what is held back (the last window's end).
  void finish() {
    for (auto& pic : ring_) clip_.write(std::move(pic));
    ring_.clear();
    if (!sound_tail_.empty()) clip_.write_audio(std::move(sound_tail_));
    sound_tail_.clear();
  }
  /// The window's first frame (seconds; -1 before any).
  double window_start() const { return first_ ? Timestamp{*first_, tb_}.seconds() : -1.0; }
  std::int64_t window_first() const { return window_first_; }  ///< slots before the window (as if no fades)
  std::int64_t slots() const { return slots_; }                ///< slots so far (as if no fades)

 private:
  // The slot a frame shown at pts begins: window_first_ + ceil(x - 1/2) for x = (pts - first) x time base x rate
  // slots (half a slot of tolerance, ties to the earlier slot). With z = floor(2x), that is z / 2 when 2x is whole,
  // else (z + 1) / 2.
  std::int64_t slot_of(std::int64_t pts) const {
    const std::int64_t ticks = pts - first_.value_or(pts);
    if (ticks <= 0) return window_first_;
    const std::int64_t a = 2 * tb_.num * rate_.num, d = tb_.den * rate_.den;
    const std::int64_t z = mul_div_floor(ticks, a, d);
    const bool whole = mul_div_ceil(ticks, a, d) == z;
    return window_first_ + (whole ? z / 2 : (z + 1) / 2);
  }
  void fill_to(std::int64_t until) {
    if (!have_) return;
    for (; slots_ < until; ++slots_) emit(slots_ + 1 < until ? held_ : std::move(held_));
  }
  // One slot of the window: blended with the previous window's tail while it lasts; the last `fade_` are held back
  // for the next joint.
  void emit(Yuv420 pic) {
    if (!tail_.empty()) {
      ++blended_;
      const int w = blended_, n = fade_total_ + 1;  // the new picture's weight: w / n
      const Yuv420& old = tail_.front();
      if (old.data.size() == pic.data.size())
        for (std::size_t i = 0; i < pic.data.size(); ++i)
          pic.data[i] = static_cast<std::uint8_t>((old.data[i] * (n - w) + pic.data[i] * w + n / 2) / n);
      tail_.pop_front();
      clip_.write(std::move(pic));
      return;
    }
    if (fade_ == 0) {
      clip_.write(std::move(pic));
      return;
    }
    ring_.push_back(std::move(pic));
    if (ring_.size() > static_cast<std::size_t>(fade_)) {
      clip_.write(std::move(ring_.front()));
      ring_.pop_front();
    }
  }
  ClipSink& clip_;
  Rational rate_, tb_;
  int fade_, sample_rate_, channels_;
  std::optional<std::int64_t> first_;
  std::int64_t held_pts_ = 0;
  std::int64_t window_first_ = 0, slots_ = 0;
  Yuv420 held_;
  bool have_ = false;
  std::deque<Yuv420> ring_, tail_;  // this window's last slots; the previous window's, being faded
  int fade_total_ = 0, blended_ = 0;
  std::vector<float> sound_tail_;  // the previous window's last sound, as its held slots
};

}  // namespace cords::output
