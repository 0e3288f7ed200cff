// detect_transitions on synthetic per-frame statistics: known answers for cuts, flashes, fades and dissolves, and
// properties (boundaries sorted, at least min_shot_seconds apart, never inside a transition).
#include "cords/segment/transitions.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "cords/embed/embedder.h"

namespace cords::segment {
namespace {

// A stream of frames at 25 fps built from "pictures": each frame is a point in a small feature space, and the stats
// are computed from consecutive points exactly as the decoder does from its block grid (mean |difference|).
struct Stream {
  std::vector<std::vector<float>> pics;
  std::vector<float> luma;
  std::vector<float> spread;
  void add(const std::vector<float>& p, float l = 120, float sp = 40) {
    pics.push_back(p);
    luma.push_back(l);
    spread.push_back(sp);
  }
  static float diff(const std::vector<float>& a, const std::vector<float>& b) {
    float s = 0;
    for (std::size_t i = 0; i < a.size(); ++i) s += std::fabs(a[i] - b[i]);
    return s / static_cast<float>(a.size());
  }
  std::vector<FrameStat> stats(int half = 10) const {
    std::vector<FrameStat> out(pics.size());
    for (std::size_t i = 0; i < pics.size(); ++i) {
      FrameStat& s = out[i];
      s.frame = static_cast<std::int64_t>(i);
      s.seconds = static_cast<double>(i) / 25;
      s.luma = luma[i];
      s.spread = spread[i];
      if (i >= 1) s.diff = diff(pics[i], pics[i - 1]);
      if (i >= 2) s.diff2 = diff(pics[i], pics[i - 2]);
      if (i >= 3) s.diff3 = diff(pics[i], pics[i - 3]);
      const auto L = static_cast<std::size_t>(half);
      if (i >= L && i + L < pics.size()) {
        const auto& a = pics[i - L];
        const auto& b = pics[i + L];
        float span = 0, mix = 0;
        for (std::size_t k = 0; k < a.size(); ++k) {
          span += std::fabs(b[k] - a[k]);
          mix += std::fabs(pics[i][k] - 0.5f * (a[k] + b[k]));
        }
        s.span = span / static_cast<float>(a.size());
        s.mix = mix / static_cast<float>(a.size());
      }
    }
    return out;
  }
};

// A shot: a picture that moves a little from frame to frame (noise of amplitude `jitter`).
void shot(Stream& s, std::mt19937& rng, const std::vector<float>& base, int frames, float jitter = 2) {
  std::uniform_real_distribution<float> u(-jitter, jitter);
  for (int f = 0; f < frames; ++f) {
    std::vector<float> p = base;
    for (auto& v : p) v += u(rng);
    s.add(p);
  }
}

std::vector<float> picture(std::mt19937& rng) {
  std::uniform_real_distribution<float> u(0, 255);
  std::vector<float> p(64);
  for (auto& v : p) v = u(rng);
  return p;
}

TEST(Transitions, HardCutsAtTheirFrames) {
  std::mt19937 rng(1);
  Stream s;
  shot(s, rng, picture(rng), 60);
  shot(s, rng, picture(rng), 40);
  shot(s, rng, picture(rng), 50);
  const Transitions t = detect_transitions(s.stats());
  ASSERT_EQ(t.boundaries.size(), 2u);
  EXPECT_EQ(t.boundaries[0].frame, 60);
  EXPECT_EQ(t.boundaries[1].frame, 100);
  EXPECT_EQ(t.boundaries[0].kind, TransitionKind::Cut);
  EXPECT_TRUE(t.spans.empty());
}

TEST(Transitions, AFlashIsNotACut) {
  std::mt19937 rng(2);
  Stream s;
  const auto a = picture(rng);
  shot(s, rng, a, 50);
  std::vector<float> white(64, 250);
  s.add(white, 245, 5);  // one white frame (a photographer's flash)
  shot(s, rng, a, 50);
  const Transitions t = detect_transitions(s.stats());
  EXPECT_TRUE(t.boundaries.empty());
  ASSERT_EQ(t.spans.size(), 1u);
  EXPECT_TRUE(t.in_transition(50));
  EXPECT_FALSE(t.in_transition(52));
}

TEST(Transitions, AFadeThroughBlackIsOneBoundaryInTheMiddleOfTheBlack) {
  std::mt19937 rng(3);
  Stream s;
  const auto a = picture(rng), b = picture(rng);
  shot(s, rng, a, 50);
  for (int f = 1; f <= 20; ++f) {  // fade out over 20 frames: picture and luma towards 0
    std::vector<float> p = a;
    for (auto& v : p) v *= 1 - f / 20.0f;
    s.add(p, 120 * (1 - f / 20.0f), 40 * (1 - f / 20.0f));
  }
  for (int f = 0; f < 10; ++f) s.add(std::vector<float>(64, 0), 0, 0);
  for (int f = 1; f <= 20; ++f) {
    std::vector<float> p = b;
    for (auto& v : p) v *= f / 20.0f;
    s.add(p, 120 * f / 20.0f, 40 * f / 20.0f);
  }
  shot(s, rng, b, 50);
  const Transitions t = detect_transitions(s.stats());
  ASSERT_EQ(t.boundaries.size(), 1u);
  EXPECT_EQ(t.boundaries[0].kind, TransitionKind::Fade);
  EXPECT_GE(t.boundaries[0].frame, 69);  // the black run is frames 69..79 (the last fade-out frame is black too)
  EXPECT_LE(t.boundaries[0].frame, 80);
  ASSERT_FALSE(t.spans.empty());
  EXPECT_LE(t.spans[0].first, 60);  // most of the fade out ...
  EXPECT_GE(t.spans[0].last, 90);   // ... and of the fade in lie in the transition
}

TEST(Transitions, ACrossDissolveIsOneBoundaryAndItsFramesATransition) {
  std::mt19937 rng(4);
  Stream s;
  const auto a = picture(rng), b = picture(rng);
  shot(s, rng, a, 60);
  for (int f = 1; f < 20; ++f) {  // 0.8 s cross-dissolve
    std::vector<float> p(64);
    for (std::size_t k = 0; k < p.size(); ++k) p[k] = a[k] + (b[k] - a[k]) * static_cast<float>(f) / 20;
    s.add(p);
  }
  shot(s, rng, b, 60);
  const Transitions t = detect_transitions(s.stats());
  ASSERT_EQ(t.boundaries.size(), 1u);
  EXPECT_EQ(t.boundaries[0].kind, TransitionKind::Dissolve);
  EXPECT_NEAR(static_cast<double>(t.boundaries[0].frame), 70, 4);
  EXPECT_TRUE(t.in_transition(70));
  EXPECT_FALSE(t.in_transition(40));
  EXPECT_FALSE(t.in_transition(100));
}

TEST(Transitions, SteadyMotionIsNoDissolve) {
  // Every block moves by the same step each frame (a scrolling gradient): linear, but no event.
  Stream s;
  for (int f = 0; f < 200; ++f) {
    std::vector<float> p(64);
    for (std::size_t k = 0; k < p.size(); ++k) p[k] = static_cast<float>(k) * 2 + static_cast<float>(f) * 0.6f;
    s.add(p);
  }
  const Transitions t = detect_transitions(s.stats());
  EXPECT_TRUE(t.boundaries.empty());
  EXPECT_TRUE(t.spans.empty());
}

TEST(Transitions, BoundariesAreSortedAndAtLeastTheShortestShotApart) {
  for (unsigned seed = 0; seed < 20; ++seed) {
    std::mt19937 rng(seed);
    Stream s;
    std::uniform_int_distribution<int> len(1, 40);
    for (int k = 0; k < 12; ++k) shot(s, rng, picture(rng), len(rng));
    TransitionOptions o;
    const Transitions t = detect_transitions(s.stats(), o);
    for (std::size_t i = 0; i < t.boundaries.size(); ++i) {
      EXPECT_GE(t.boundaries[i].seconds - (i == 0 ? 0.0 : t.boundaries[i - 1].seconds), o.min_shot_seconds - 1e-9)
          << seed;
      EXPECT_FALSE(t.in_transition(t.boundaries[i].frame) && t.boundaries[i].kind == TransitionKind::Cut) << seed;
    }
  }
}

TEST(Transitions, TooFewFramesGiveNothing) {
  EXPECT_TRUE(detect_transitions({}).boundaries.empty());
  EXPECT_TRUE(detect_transitions({FrameStat{}}).boundaries.empty());
}

// The picture measures behind the keyframe candidates: noise has uncorrelated neighbours, a blurred picture a
// fraction of the sharp one's Laplacian, a flat one none.
TEST(PictureQuality, NoiseBlurAndFlatPictures) {
  const int w = 160, h = 90;
  Image sharp, blurred, noise, flat;
  for (Image* img : {&sharp, &blurred, &noise, &flat}) {
    img->width = w;
    img->height = h;
    img->data.assign(static_cast<std::size_t>(w) * h * 3, 0);
  }
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> u(0, 255);
  const auto set = [&](Image& img, int x, int y, int v) {
    for (int c = 0; c < 3; ++c) img.data[(static_cast<std::size_t>(y) * w + x) * 3 + c] = static_cast<std::uint8_t>(v);
  };
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      set(sharp, x, y, ((x / 8 + y / 8) % 2) ? 220 : 30);  // a checkerboard of 8-pixel squares
      set(noise, x, y, u(rng));
      set(flat, x, y, 120);
    }
  for (int y = 0; y < h; ++y)  // the checkerboard through a 9x9 box blur
    for (int x = 0; x < w; ++x) {
      int sum = 0, count = 0;
      for (int dy = -4; dy <= 4; ++dy)
        for (int dx = -4; dx <= 4; ++dx) {
          const int xx = std::clamp(x + dx, 0, w - 1), yy = std::clamp(y + dy, 0, h - 1);
          sum += sharp.data[(static_cast<std::size_t>(yy) * w + xx) * 3];
          ++count;
        }
      set(blurred, x, y, sum / count);
    }
  const auto qs = embed::picture_quality(sharp), qb = embed::picture_quality(blurred),
             qn = embed::picture_quality(noise), qf = embed::picture_quality(flat);
  EXPECT_GT(qs.correlation, 0.7);  // (an edge every 8 pixels: 0.76)
  EXPECT_GT(qb.correlation, 0.8);
  EXPECT_LT(std::fabs(qn.correlation), 0.2);
  EXPECT_DOUBLE_EQ(qf.correlation, 1.0);
  EXPECT_LT(qb.sharpness, qs.sharpness / 3) << "the summarizer's blur rule: under a third of the shot's median";
  EXPECT_DOUBLE_EQ(qf.sharpness, 0.0);
  EXPECT_GT(qn.spread, 20) << "noise is uncorrelated and strong";
  EXPECT_DOUBLE_EQ(qf.spread, 0.0);
  EXPECT_DOUBLE_EQ(qs.mean, embed::mean_luma(sharp));
  for (auto v : qf.tiny) EXPECT_EQ(v, 120);
  EXPECT_EQ(qs.tiny[0], 91) << "the first 10x10 block: 68 dark pixels (30), 32 bright (220)";
}

}  // namespace
}  // namespace cords::segment
