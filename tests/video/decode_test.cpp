#include <gtest/gtest.h>

#include <cmath>

#include "cords/core/error.h"
#include "cords/decode/ffmpeg_source.h"
#include "media.h"

namespace cords::decode {
namespace {

using test::Media;

std::vector<Frame> all_frames(const std::string& path, DecodeOptions o) {
  FFmpegSource src(path, o);
  std::vector<Frame> out;
  Frame f;
  while (src.next(f)) out.push_back(f);
  return out;
}

TEST(FFmpegSource, ReadsMetadataAndEveryFrame) {
  FFmpegSource src(Media::get().path("slideshow.mp4"), {0, false, 0, 0, 0, {}});
  const VideoInfo& i = src.info();
  EXPECT_EQ(i.codec, "h264");
  EXPECT_EQ(i.width, 320);
  EXPECT_EQ(i.height, 240);
  EXPECT_EQ(i.frame_rate.num, 25);
  EXPECT_EQ(i.frame_rate.den, 1);
  EXPECT_NEAR(i.duration, 10.0, 0.1);
  EXPECT_EQ(src.drain(), 250);
}

TEST(FFmpegSource, SamplesAtTheRequestedRateWithExactTimestamps) {
  DecodeOptions o;
  o.sample_fps = 2.0;
  o.out_width = 64;
  const auto frames = all_frames(Media::get().path("slideshow.mp4"), o);
  ASSERT_EQ(frames.size(), 20u);  // 10 s at 2 per second
  for (std::size_t t = 0; t < frames.size(); ++t) {
    EXPECT_NEAR(frames[t].ts.seconds(), 0.5 * static_cast<double>(t), 0.04 + 1e-9) << t;
    EXPECT_EQ(frames[t].image.width, 64);
    EXPECT_EQ(frames[t].image.height, 48);  // aspect kept
    EXPECT_EQ(frames[t].image.data.size(), 64u * 48u * 3u);
  }
  // The index counts every decoded frame: 25 fps sampled at 2 fps keeps about every 12.5th.
  EXPECT_EQ(frames[2].index, 25);
}

TEST(FFmpegSource, NtscRateIsARational) {
  FFmpegSource src(Media::get().path("ntsc.mp4"), {});
  EXPECT_EQ(src.info().frame_rate.num, 30000);
  EXPECT_EQ(src.info().frame_rate.den, 1001);
  Frame f;
  std::vector<double> t;
  while (src.next(f)) t.push_back(f.ts.seconds());
  ASSERT_GE(t.size(), 7u);
  for (std::size_t k = 1; k < t.size(); ++k) EXPECT_NEAR(t[k] - t[k - 1], 0.5, 1001.0 / 30000 + 1e-6);
}

TEST(FFmpegSource, VariableFrameRateFollowsThePts) {
  DecodeOptions o;
  o.sample_fps = 0;
  const auto frames = all_frames(Media::get().path("vfr.mp4"), o);
  ASSERT_EQ(frames.size(), 100u);
  // Frame 50 comes 1.56 s after frame 49 (38 missing slots of 1/25 s), not 0.04 s.
  EXPECT_NEAR(frames[50].ts.seconds() - frames[49].ts.seconds(), 39.0 / 25, 1e-3);
  o.sample_fps = 2;
  const auto sampled = all_frames(Media::get().path("vfr.mp4"), o);
  for (std::size_t k = 1; k < sampled.size(); ++k)
    EXPECT_GE(sampled[k].ts.seconds() - sampled[k - 1].ts.seconds(), 0.5 - 0.04);
}

TEST(FFmpegSource, HonoursRotationMetadata) {
  FFmpegSource src(Media::get().path("rotated.mp4"), {});
  EXPECT_EQ(src.info().rotation % 180, 90);
  EXPECT_EQ(src.info().width, 240);
  EXPECT_EQ(src.info().height, 320);
  Frame f;
  ASSERT_TRUE(src.next(f));
  EXPECT_EQ(f.image.width, 240);
  EXPECT_EQ(f.image.height, 320);
}

TEST(FFmpegSource, ConvertsAnyPixelFormat) {
  for (const char* name : {"tenbit.mkv", "yuv444.mp4", "palette.gif", "odd.mp4", "theora.ogv"}) {
    FFmpegSource src(Media::get().path(name), {});
    Frame f;
    ASSERT_TRUE(src.next(f)) << name;
    EXPECT_FALSE(f.image.empty()) << name;
    long long sum = 0;
    for (auto b : f.image.data) sum += b;
    EXPECT_GT(sum, 0) << name << " decoded to black";
  }
}

TEST(FFmpegSource, OddSizesConvertWithoutOverrunningTheirBuffers) {
  // swscale's vector code writes past a tightly packed row end at some widths (seen at 214 -> 160 and 85 wide).
  for (const char* name : {"odd.mp4", "theora.ogv"})
    for (int w : {0, 160, 37}) {
      DecodeOptions o;
      o.sample_fps = 0;
      o.out_width = w;
      for (const auto& f : all_frames(Media::get().path(name), o)) {
        ASSERT_EQ(f.image.data.size(), static_cast<std::size_t>(f.image.width) * f.image.height * 3);
        if (w) {
          EXPECT_EQ(f.image.width, w);
        }
      }
    }
}

// The luma an RGB pixel has in limited-range BT.601, what swscale uses for both conversions by default.
double luma(const std::uint8_t* rgb) {
  return 16 + (65.481 * rgb[0] + 128.553 * rgb[1] + 24.966 * rgb[2]) / 255;
}

TEST(FFmpegSource, Yuv420FramesAreTheRgbFramesInAnotherFormat) {
  // What the clip writer takes: the same frames, sizes and rotation as the RGB ones, as 4:2:0 planes.
  for (const char* name : {"upright.mp4", "rotated.mp4", "tenbit.mkv", "odd.mp4"}) {
    DecodeOptions o;
    o.sample_fps = 0;
    o.out_height = 120;
    const auto rgb = all_frames(Media::get().path(name), o);
    o.yuv420 = true;
    std::int64_t native = -1;
    o.native_size_for = [&native](const Timestamp& ts) { return ts.pts == native; };
    FFmpegSource src(Media::get().path(name), o);
    ASSERT_GE(rgb.size(), 3u) << name;
    Frame f;
    for (std::size_t t = 0; t < rgb.size(); ++t) {
      if (t == 2) native = rgb[t].ts.pts;  // this one also comes as RGB at the input's size
      ASSERT_TRUE(src.next(f)) << name;
      EXPECT_EQ(f.ts.pts, rgb[t].ts.pts);
      ASSERT_EQ(f.yuv.width, rgb[t].image.width) << name;
      ASSERT_EQ(f.yuv.height, rgb[t].image.height) << name;
      ASSERT_EQ(f.yuv.data.size(), static_cast<std::size_t>(f.yuv.width) * f.yuv.height +
                                       2u * f.yuv.chroma_width() * f.yuv.chroma_height());
      if (t == 2) {
        EXPECT_EQ(f.image.width, src.info().width) << name;
        EXPECT_EQ(f.image.height, src.info().height) << name;
      } else {
        EXPECT_TRUE(f.image.empty()) << name;
      }
      double diff = 0;
      const Image& im = rgb[t].image;
      for (int y = 0; y < im.height; ++y)
        for (int x = 0; x < im.width; ++x) diff += std::abs(f.yuv.plane(0)[y * f.yuv.width + x] - luma(im.pixel(x, y)));
      EXPECT_LT(diff / (im.width * im.height), 2.5) << name << " frame " << t;  // rounding of the two conversions
    }
  }
}

TEST(FFmpegSource, KeyframesOnlyDecodesKeyFrames) {
  DecodeOptions o;
  o.sample_fps = 0;
  o.keyframes_only = true;
  const auto frames = all_frames(Media::get().path("slideshow.mp4"), o);
  ASSERT_GE(frames.size(), 1u);
  EXPECT_LE(frames.size(), 2u);  // one key frame every 250 frames
  for (const auto& f : frames) EXPECT_TRUE(f.key);
}

TEST(FFmpegSource, KeyFramesSampledSparserThanTheyComeAreNotDecoded) {
  // Key frames at 0, 2, ..., 10 s; sampled on a grid of 10/3 s (0, 3.3, 6.7, 10) they are those at 0, 4, 8 and 10 s
  // (each the first at or after its grid time); the others never reach the decoder.
  const std::string path = Media::get().path("gop2s.mp4");
  DecodeOptions all;
  all.sample_fps = 0;
  all.keyframes_only = true;
  FFmpegSource every(path, all);
  std::vector<double> keys;
  for (Frame f; every.next(f);) keys.push_back(f.ts.seconds());
  ASSERT_EQ(keys.size(), 6u);
  DecodeOptions sparse = all;
  sparse.sample_fps = 0.3;
  FFmpegSource src(path, sparse);
  std::vector<double> got;
  for (Frame f; src.next(f);) got.push_back(f.ts.seconds());
  EXPECT_EQ(got, (std::vector<double>{keys[0], keys[2], keys[4], keys[5]}));
  EXPECT_EQ(src.decoded(), 4);
  EXPECT_EQ(every.decoded(), 6);
  // After a seek the grid restarts at the target, as next() does.
  src.seek(Timestamp::nearest(5.0, src.info().time_base));
  got.clear();
  for (Frame f; src.next(f);) got.push_back(f.ts.seconds());
  EXPECT_EQ(got, (std::vector<double>{keys[3], keys[5]}));  // grid 5, 8.3 s: the key frames at 6 and 10 s
}

TEST(FFmpegSource, DecodeKeyFrameGivesTheFrameThatFullDecodingGives) {
  const std::string path = Media::get().path("gop2s.mp4");  // key frames at 0, 2, 4, ... s; B-frames on
  DecodeOptions every;
  every.sample_fps = 0;
  const auto frames = all_frames(path, every);
  ASSERT_EQ(frames.size(), 300u);
  FFmpegSource src(path, every);
  for (int k : {4, 0, 2}) {  // out of order: each call seeks
    const Frame& want = frames[static_cast<std::size_t>(k) * 50];
    ASSERT_TRUE(want.key);
    Frame got;
    ASSERT_TRUE(src.decode_key_frame(want.ts.pts, got)) << k;
    EXPECT_EQ(got.ts.pts, want.ts.pts);
    EXPECT_TRUE(got.key);
    EXPECT_EQ(got.image.width, 320);
    EXPECT_EQ(got.image.data, want.image.data) << "key frame at " << k * 2 << " s";
  }
  // Not a key frame: false, and the source decodes on from there as after seek().
  Frame f;
  EXPECT_FALSE(src.decode_key_frame(frames[60].ts.pts, f));
  ASSERT_TRUE(src.next(f));
  EXPECT_EQ(f.ts.pts, frames[60].ts.pts);
  EXPECT_EQ(f.image.data, frames[60].image.data);
}

// Sparse sampling does not decode the non-reference frames it does not keep; what it returns must still be
// exactly what decoding every frame returns: same frames, same display-order indices, same pixels.
TEST(FFmpegSource, SparseSamplingReturnsWhatFullDecodingReturns) {
  const std::string path = Media::get().path("gop2s.mp4");  // B-frames, 25 fps
  DecodeOptions every;
  every.sample_fps = 0;
  every.out_width = 64;
  const auto all = all_frames(path, every);
  for (double fps : {2.0, 3.0, 7.0}) {
    DecodeOptions sparse = every;
    sparse.sample_fps = fps;
    const auto got = all_frames(path, sparse);
    ASSERT_EQ(got.size(), static_cast<std::size_t>(std::ceil(12.0 * fps - 1e-9))) << fps;
    for (std::size_t i = 0; i < got.size(); ++i) {
      ASSERT_LT(got[i].index, static_cast<std::int64_t>(all.size()));
      const Frame& want = all[static_cast<std::size_t>(got[i].index)];
      EXPECT_EQ(got[i].ts.pts, want.ts.pts) << fps << " fps, sample " << i;
      std::size_t first = 0;  // the first frame shown at or after the sample time
      while (all[first].ts.seconds() < static_cast<double>(i) / fps - 1e-6) ++first;
      EXPECT_EQ(got[i].index, static_cast<std::int64_t>(first)) << fps << " fps, sample " << i;
      EXPECT_EQ(got[i].image.data, want.image.data) << fps << " fps, sample " << i;
    }
  }
}

TEST(FFmpegSource, SeekLandsOnTheRequestedTime) {
  FFmpegSource src(Media::get().path("slideshow.mp4"), {0, false, 0, 0, 0, {}});
  src.seek(Timestamp::nearest(6.0, src.info().time_base));
  Frame f;
  ASSERT_TRUE(src.next(f));
  EXPECT_NEAR(f.ts.seconds(), 6.0, 1e-6);
  EXPECT_EQ(f.ts.pts * 25 * f.ts.time_base.num / f.ts.time_base.den, 150);
}

TEST(FFmpegSource, SeekAndSkipGiveWhatFullDecodingGives) {
  // Before the target, non-reference frames are not decoded: what follows must still be every frame, pixel for
  // pixel, as decoding from the start gives it (gop2s.mp4 has B-frames and a key frame every 2 s).
  DecodeOptions o;
  o.sample_fps = 0;
  o.out_width = 80;
  const auto all = all_frames(Media::get().path("gop2s.mp4"), o);
  ASSERT_GE(all.size(), 150u);
  FFmpegSource src(Media::get().path("gop2s.mp4"), o);
  Frame f;
  const Rational tb = src.info().time_base;
  const auto check_from = [&](const Timestamp& target, int count) {
    std::size_t i = 0;
    while (i < all.size() && all[i].ts.pts < target.pts) ++i;
    ASSERT_LT(i + count, all.size()) << target.pts;
    for (int n = 0; n < count; ++n, ++i) {
      ASSERT_TRUE(src.next(f)) << target.pts;
      EXPECT_EQ(f.ts.pts, all[i].ts.pts) << target.pts << " frame " << n;
      EXPECT_EQ(f.image.data, all[i].image.data) << target.pts << " frame " << n;
    }
  };
  for (double t : {1.9, 0.5, 3.3, 5.0}) {  // mid-GOP, early, just after a key frame, another GOP
    src.seek(Timestamp::nearest(t, tb));
    check_from(Timestamp::nearest(t, tb), 12);
  }
  EXPECT_FALSE(FFmpegSource(Media::get().path("gop2s.mp4"), o).position().has_value());  // nothing decoded yet
  ASSERT_TRUE(src.position().has_value());
  // go_to: on from where it is (the key frame before the target is behind the last frame), or a seek (it is ahead).
  for (double ahead : {0.3, 2.5}) {
    const Timestamp target = Timestamp::nearest(src.position()->seconds() + ahead, tb);
    const std::int64_t before = src.decoded();
    src.go_to(target);
    check_from(target, 12);
    const std::int64_t frames_to_target = static_cast<std::int64_t>(std::llround(ahead * 25));
    if (ahead < 1) {
      EXPECT_LE(src.decoded() - before, 12 + frames_to_target) << "decoding went on";
    }
  }
  // A frame shown exactly at the target is the first one (pts compared exactly, no allowance).
  const Timestamp exact = all[100].ts;
  src.seek(exact);
  ASSERT_TRUE(src.next(f));
  EXPECT_EQ(f.ts.pts, exact.pts);
  src.seek(Timestamp{exact.pts + 1, exact.time_base});
  ASSERT_TRUE(src.next(f));
  EXPECT_EQ(f.ts.pts, all[101].ts.pts);
}

TEST(FFmpegSource, BadInputsAreUnreadableWithTheReason) {
  struct Case {
    const char* file;
    const char* why;
  };
  for (const Case& c : {Case{"missing.mp4", "no such file"}, Case{"empty.mp4", "empty"},
                        Case{"text.mp4", "not a recognised media file"}, Case{"still.png", "still image"},
                        Case{"audio.m4a", "audio only"}, Case{"truncated.mp4", ""}}) {
    try {
      FFmpegSource src(Media::get().path(c.file), {});
      FAIL() << c.file << " opened";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::InputUnreadable) << c.file;
      EXPECT_NE(std::string(e.what()).find(c.why), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(c.file), std::string::npos) << e.what();
    }
  }
  try {
    FFmpegSource src(Media::get().dir().string(), {});
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("directory"), std::string::npos);
  }
}

TEST(FFmpegSource, ACutShortFileDecodesWhatItHas) {
  FFmpegSource src(Media::get().path("cut_short.mp4"), {0, false, 0, 0, 0, {}});
  const auto n = src.drain();
  EXPECT_GT(n, 0);
  EXPECT_LT(n, 100);
}

}  // namespace
}  // namespace cords::decode
