// pipeline::merged_windows without FFmpeg: the clip's windows around the keyframes.
#include "cords/pipeline/clip_plan.h"

#include <gtest/gtest.h>

#include <limits>
#include <utility>
#include <vector>

namespace cords::pipeline {
namespace {

Keyframe at(std::int64_t pts, Rational tb, std::int64_t shot = 0) {
  Keyframe k;
  k.ts = {pts, tb};
  k.shot = shot;
  return k;
}

TEST(ClipPlan, WindowsAroundKeyframesMergeWhereTheyOverlapAndStartAtZero) {
  const Rational tb{1, 90000};
  // Keyframes at 0.2 s, 2 s, 2.5 s and 5 s, one second around each (half before): [0, 0.7], [1.5, 3], [4.5, 5.5].
  const std::vector<Keyframe> keys = {at(18000, tb), at(180000, tb), at(225000, tb), at(450000, tb)};
  const auto w = merged_windows(keys, 0.5, 0.5);
  ASSERT_EQ(w.size(), 3u);
  EXPECT_EQ(w[0].start, 0) << "clamped at 0";
  EXPECT_EQ(w[0].end, 63000);
  EXPECT_EQ(w[1].start, 135000);
  EXPECT_EQ(w[1].end, 270000);
  EXPECT_EQ(w[1].keys, (std::vector<std::size_t>{1, 2}));
  EXPECT_EQ(w[2].start, 405000);
  EXPECT_EQ(w[2].end, 495000);
}

TEST(ClipPlan, AWindowStaysInsideItsKeyframesShot) {
  const Rational tb{1, 1000};
  // Shot 0 is [0, 2 s), shot 1 [2 s, 10 s); a keyframe at 1.9 s of shot 0 and one at 2.1 s of shot 1.
  const std::vector<std::pair<double, double>> shots = {{0.0, 1.999}, {2.0, std::numeric_limits<double>::infinity()}};
  const auto w = merged_windows({at(1900, tb, 0), at(2100, tb, 1)}, 0.5, 0.5, &shots);
  ASSERT_EQ(w.size(), 2u);
  EXPECT_LE(w[0].end, 1999) << "moved back, not across the cut";
  EXPECT_EQ(w[0].end - w[0].start, 1000) << "still a second long";
  EXPECT_GE(w[1].start, 2000);
  EXPECT_EQ(w[1].end - w[1].start, 1000);
  for (const auto& win : w) EXPECT_LE(win.start, win.end);
}

TEST(ClipPlan, SecondsBecomeExactTicksInAnyTimeBase) {
  for (const Rational tb : {Rational{1, 90000}, Rational{1001, 30000}, Rational{1, 12800}, Rational{1, 25}}) {
    const std::int64_t t = Timestamp::nearest(10.0, tb).pts;
    const auto w = merged_windows({at(t, tb)}, 1.0, 2.0);
    ASSERT_EQ(w.size(), 1u);
    EXPECT_EQ(w[0].start, t - Timestamp::nearest(1.0, tb).pts) << tb.num << "/" << tb.den;
    EXPECT_EQ(w[0].end, t + Timestamp::nearest(2.0, tb).pts);
  }
}

}  // namespace
}  // namespace cords::pipeline
