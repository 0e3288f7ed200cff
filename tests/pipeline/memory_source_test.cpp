// The summary's first stages (sampling, shots) on in-memory frames through the frame-source seam
// (SummarizeConfig::open_source): no FFmpeg, every frame and its statistics made by the test.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <mutex>
#include <vector>

#include "cords/decode/frame_source.h"
#include "cords/embed/embedder.h"
#include "cords/pipeline/keyframes.h"
#include "cords/pipeline/sampling.h"
#include "cords/pipeline/shots.h"

namespace cords::pipeline {
namespace {

// `frames` frames at 25 fps (time base 1/25), 64 x 36: a red shot up to frame `cut`, then a blue one, each with a
// moving gradient (textured, not uniform). Samples at the options' rate: the first frame at or after each sample
// instant. Frame statistics for every frame: a large change at the cut, small ones elsewhere.
class MemorySource final : public decode::FrameSource {
 public:
  MemorySource(const decode::DecodeOptions& o, int frames, int cut) : o_(o), frames_(frames), cut_(cut) {
    info_.path = "memory";
    info_.codec = "memory";
    info_.width = 64;
    info_.height = 36;
    info_.frame_rate = {25, 1};
    info_.time_base = {1, 25};
    info_.duration = frames / 25.0;
    info_.frame_count = frames;
  }
  const decode::VideoInfo& info() const override { return info_; }
  bool next(decode::Frame& f) override {
    for (; i_ < frames_; ++i_) {
      const double t = i_ / 25.0;
      if (o_.frame_stats) stats_.push_back(stat(i_));
      if (o_.sample_fps > 0 && t + 1e-9 < next_sample_) continue;
      next_sample_ = o_.sample_fps > 0 ? std::floor(t * o_.sample_fps + 1e-9) / o_.sample_fps + 1 / o_.sample_fps : 0;
      f.ts = {i_, info_.time_base};
      f.index = i_;
      f.key = i_ % 25 == 0;
      f.image = picture(i_);
      last_ = f.ts;
      ++i_;
      return true;
    }
    return false;
  }
  std::int64_t skipped() const override { return 0; }
  std::int64_t decoded() const override { return i_; }
  void seek(const Timestamp& t) override {
    i_ = t.pts;
    next_sample_ = t.seconds();
    last_.reset();
  }
  void go_to(const Timestamp& t) override { seek(t); }
  std::optional<Timestamp> position() const override { return last_; }
  double data_seconds() const override { return i_ / 25.0; }
  std::int64_t backwards() const override { return 0; }
  bool decode_key_frame(std::int64_t pts, decode::Frame& f) override {
    if (pts < 0 || pts >= frames_) return false;
    f.ts = {pts, info_.time_base};
    f.index = pts;
    f.key = true;
    f.image = picture(pts);
    return true;
  }
  std::vector<segment::FrameStat> take_frame_stats() override { return std::move(stats_); }
  std::int64_t drain() override {
    const std::int64_t n = frames_ - i_;
    i_ = frames_;
    return n;
  }

 private:
  Image picture(std::int64_t i) const {
    Image im;
    im.width = 64;
    im.height = 36;
    im.data.resize(64 * 36 * 3);
    const bool red = i < cut_;
    for (int y = 0; y < 36; ++y)
      for (int x = 0; x < 64; ++x) {
        auto* p = &im.data[static_cast<std::size_t>((y * 64 + x) * 3)];
        const auto ramp = static_cast<std::uint8_t>((x * 2 + y + i) % 60);
        p[0] = static_cast<std::uint8_t>(red ? 180 + ramp : 20 + ramp / 2);
        p[1] = static_cast<std::uint8_t>(40 + ramp);
        p[2] = static_cast<std::uint8_t>(red ? 20 + ramp / 2 : 180 + ramp);
      }
    return im;
  }
  segment::FrameStat stat(std::int64_t i) const {
    segment::FrameStat s;
    s.frame = i;
    s.seconds = i / 25.0;
    s.diff = i == 0 ? -1.f : i == cut_ ? 60.f : 1.f;
    s.diff2 = i < 2 ? -1.f : (i == cut_ || i == cut_ + 1) ? 60.f : 1.f;
    s.diff3 = i < 3 ? -1.f : (i >= cut_ && i <= cut_ + 2) ? 60.f : 1.f;
    s.luma = i < cut_ ? 90.f : 70.f;
    s.spread = 20.f;
    return s;
  }

  decode::DecodeOptions o_;
  decode::VideoInfo info_;
  std::int64_t frames_, cut_, i_ = 0;
  double next_sample_ = 0;
  std::optional<Timestamp> last_;
  std::vector<segment::FrameStat> stats_;
};

SummarizeConfig memory_config(int frames, int cut, int* opened) {
  SummarizeConfig cfg;
  cfg.input = "memory";
  cfg.sample_fps = 5;
  cfg.threads = 1;
  cfg.open_source = [frames, cut, opened](const std::string&, const decode::DecodeOptions& o) {
    static std::mutex m;
    const std::lock_guard<std::mutex> lock(m);
    ++*opened;
    return std::make_unique<MemorySource>(o, frames, cut);
  };
  return cfg;
}

TEST(FrameSourceSeam, SamplingAndShotsRunOnInMemoryFrames) {
  int opened = 0;
  const SummarizeConfig cfg = memory_config(200, 100, &opened);  // 8 s, a cut at 4 s
  const auto emb = embed::histogram_embedder();
  SummaryResult res;
  std::vector<segment::FrameStat> stats;
  const Samples s = sample_video(cfg, cfg, cfg, *emb, res, {}, stats);
  EXPECT_GE(opened, 1) << "the pipeline made its decoder through the seam";
  ASSERT_EQ(s.n(), 40) << "8 s at 5 samples a second";
  for (std::int64_t i = 0; i < s.n(); ++i) {
    EXPECT_EQ(s.ts[static_cast<std::size_t>(i)].pts, 5 * i) << "every fifth frame, exactly";
    EXPECT_EQ(s.frame[static_cast<std::size_t>(i)], 5 * i);
  }
  EXPECT_EQ(res.info.codec, "memory");
  EXPECT_EQ(stats.size(), 200u) << "every frame's statistics reach the shot stage";
  // The two halves look different to the embedder, the same within each.
  const std::size_t d = s.rows.size() / static_cast<std::size_t>(s.n());
  const auto dist = [&](std::size_t a, std::size_t b) {
    double sum = 0;
    for (std::size_t j = 0; j < d; ++j) sum += std::fabs(s.rows[a * d + j] - s.rows[b * d + j]);
    return sum;
  };
  EXPECT_GT(dist(0, 39), 4 * dist(0, 10));
  const segment::Transitions t = find_shots(cfg, cfg, s, *emb, stats, res);
  ASSERT_EQ(res.shots.size(), 2u) << "one cut";
  ASSERT_EQ(t.boundaries.size(), 1u);
  EXPECT_EQ(t.boundaries[0].frame, 100) << "frame-exact: the cut's first frame";
  EXPECT_EQ(res.shot_detection, ShotDetection::Frames);
}

// The keyframe rules on the same frames: with a budget of two, one keyframe in each shot (every shot covered,
// neither a repeat of the other); with one per shot asked for, the same.
TEST(FrameSourceSeam, KeyframePlanningCoversEveryShot) {
  int opened = 0;
  SummarizeConfig cfg = memory_config(200, 100, &opened);
  const auto emb = embed::histogram_embedder();
  for (const bool per_shot : {false, true}) {
    cfg.budget = select::Budget::count(2);
    cfg.per_shot = per_shot;
    SummaryResult res;
    std::vector<segment::FrameStat> stats;
    const Samples s = sample_video(cfg, cfg, cfg, *emb, res, {}, stats);
    const segment::Transitions t = find_shots(cfg, cfg, s, *emb, stats, res);
    const auto shot_of = segment::shot_labels(res.shots, s.n());
    const KeyframePlan plan = plan_keyframes(cfg, cfg, cfg, s, emb->dim(), t, shot_of, res);
    ASSERT_EQ(plan.chosen.size(), 2u) << "per_shot " << per_shot;
    std::vector<std::int64_t> shots_hit;
    for (auto i : plan.chosen) shots_hit.push_back(shot_of[static_cast<std::size_t>(i)]);
    std::sort(shots_hit.begin(), shots_hit.end());
    EXPECT_EQ(shots_hit, (std::vector<std::int64_t>{0, 1})) << "per_shot " << per_shot;
    EXPECT_EQ(plan.repeats, 0);
  }
}

}  // namespace
}  // namespace cords::pipeline
