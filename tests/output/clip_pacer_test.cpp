// output::ClipPacer without FFmpeg: pictures and sound paced onto a constant-rate clip, recorded by a test sink.
// Properties: a frame's slot is exact for any rational time base and clip rate (no drift over long runs), a
// constant-rate input gives one slot per frame, a faster input drops and a slower one repeats frames, crossfades
// shorten the clip by their length at each joint, and the sound lasts exactly as long as the pictures.
#include "cords/output/clip_pacer.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <numeric>
#include <vector>

namespace cords::output {
namespace {

// Pictures as one byte each (their value says which frame they show), sound as sample counts.
struct Recorder : ClipSink {
  std::vector<int> pictures;
  std::size_t samples = 0;
  void write(Yuv420 pic) override { pictures.push_back(pic.data.empty() ? -1 : pic.data[0]); }
  void write_audio(std::vector<float> pcm) override { samples += pcm.size(); }
};

Yuv420 picture(int value) {
  Yuv420 p;
  p.resize(2, 2);
  std::fill(p.data.begin(), p.data.end(), static_cast<std::uint8_t>(value));
  return p;
}

// The pts of frame k of a stream of `fps` frames a second in time base `tb`, rounded down as muxers store them.
std::int64_t pts_of(std::int64_t k, Rational fps, Rational tb) {
  return mul_div_floor(k, std::int64_t{fps.den} * tb.den, std::int64_t{fps.num} * tb.num);
}

TEST(ClipPacer, AConstantRateInputGetsOneSlotPerFrameForAnyTimeBase) {
  for (const Rational tb : {Rational{1, 90000}, Rational{1, 1000}, Rational{1, 12800}, Rational{1001, 30000},
                            Rational{1, 25}, Rational{1, 48000}, Rational{1, 1000000}}) {
    for (const Rational fps : {Rational{25, 1}, Rational{30000, 1001}, Rational{24000, 1001}, Rational{60, 1}}) {
      // (A time base must resolve a frame to within a third of it: with 25 fps in ticks of 1001/30000 s, the
      // rounding of a frame's time to ticks alone is up to 0.83 of a frame.)
      if (Rational{fps.den * tb.den, fps.num * tb.num}.value() < 3.0) continue;
      Recorder out;
      ClipPacer pacer(out, fps, tb, 0, 0, 0);
      pacer.begin();
      const std::int64_t frames = 20000;  // 11-14 minutes: any drift of the slot rule would show
      for (std::int64_t k = 0; k < frames; ++k) pacer.add(pts_of(k, fps, tb), picture(static_cast<int>(k % 200)));
      pacer.end(pts_of(frames, fps, tb));
      pacer.finish();
      ASSERT_EQ(pacer.slots(), frames) << tb.num << "/" << tb.den << " at " << fps.num << "/" << fps.den;
      ASSERT_EQ(out.pictures.size(), static_cast<std::size_t>(frames));
      for (std::int64_t k = 0; k < frames; k += 997)
        EXPECT_EQ(out.pictures[static_cast<std::size_t>(k)], k % 200)
            << tb.num << "/" << tb.den << " at " << fps.num << "/" << fps.den;
    }
  }
}

TEST(ClipPacer, AFasterInputDropsFramesAndASlowerOneRepeatsThem) {
  const Rational tb{1, 90000}, clip{25, 1};
  Recorder fast;
  ClipPacer a(fast, clip, tb, 0, 0, 0);
  a.begin();
  for (int k = 0; k < 100; ++k) a.add(pts_of(k, Rational{50, 1}, tb), picture(k));  // 2 s at 50 fps
  a.end(pts_of(100, Rational{50, 1}, tb));
  a.finish();
  EXPECT_EQ(fast.pictures.size(), 50u) << "2 s at 25 fps";
  Recorder slow;
  ClipPacer b(slow, clip, tb, 0, 0, 0);
  b.begin();
  for (int k = 0; k < 10; ++k) b.add(pts_of(k, Rational{5, 1}, tb), picture(k));  // 2 s at 5 fps
  b.end(pts_of(10, Rational{5, 1}, tb));
  b.finish();
  ASSERT_EQ(slow.pictures.size(), 50u);
  for (int slot = 0; slot < 50; ++slot) EXPECT_EQ(slow.pictures[static_cast<std::size_t>(slot)], slot / 5);
}

TEST(ClipPacer, ACrossfadeShortensEachJointAndTheSoundFollowsThePictures) {
  const Rational tb{1, 25}, clip{25, 1};
  const int fade = 3, rate = 1000, channels = 2;
  Recorder out;
  ClipPacer pacer(out, clip, tb, fade, rate, channels);
  for (int w = 0; w < 3; ++w) {  // three windows of 10 frames, shown 100 apart in the input
    pacer.begin();
    for (int k = 0; k < 10; ++k) pacer.add(100 * w + k, picture(w == 0 ? 0 : w == 1 ? 120 : 240));
    pacer.end(100 * w + 10);
    pacer.sound(std::vector<float>(10 * rate / 25 * channels, 0.5f));  // exactly its 10 slots of sound
  }
  pacer.finish();
  EXPECT_EQ(out.pictures.size(), 30u - 2 * fade) << "each joint blends `fade` slots into the next window";
  EXPECT_EQ(out.samples, out.pictures.size() * rate / 25 * channels) << "sound as long as the pictures";
  // The blend between window 0 (0) and window 1 (120): weights 1/4, 2/4, 3/4 of the new picture.
  EXPECT_EQ(out.pictures[7], 30);
  EXPECT_EQ(out.pictures[8], 60);
  EXPECT_EQ(out.pictures[9], 90);
  EXPECT_EQ(out.pictures[10], 120);
}

}  // namespace
}  // namespace cords::output
