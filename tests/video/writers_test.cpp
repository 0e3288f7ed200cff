// Image files written with libavcodec's encoders: each must decode (here with OpenCV's imgcodecs, an independent
// decoder) to the image that was written, at its size and in its colours.
#include "cords/output/writers.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <opencv2/imgcodecs.hpp>

#include "../support/temp_dir.h"
#include "cords/core/error.h"
#include "cords/decode/ffmpeg_source.h"

namespace cords::output {
namespace {
namespace fs = std::filesystem;

// An odd-sized test card: a smooth gradient with a pure red, green and blue block.
Image test_card(int w, int h) {
  Image img;
  img.width = w;
  img.height = h;
  img.data.resize(static_cast<std::size_t>(w) * h * 3);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      std::uint8_t* p = img.data.data() + (static_cast<std::size_t>(y) * w + x) * 3;
      const int block = y >= h / 4 && y < 3 * h / 4 ? x * 3 / w : -1;  // 0 red, 1 green, 2 blue
      for (int c = 0; c < 3; ++c)
        p[c] = static_cast<std::uint8_t>(block >= 0 ? (c == block ? 235 : 20) : (x * 255 / w + c * y * 80 / h) % 256);
    }
  return img;
}

// Mean absolute difference per channel value between `img` (RGB) and what OpenCV reads back (BGR).
double mean_abs_diff(const Image& img, const cv::Mat& bgr) {
  double sum = 0;
  for (int y = 0; y < img.height; ++y)
    for (int x = 0; x < img.width; ++x) {
      const cv::Vec3b v = bgr.at<cv::Vec3b>(y, x);
      const std::uint8_t* p = img.pixel(x, y);
      for (int c = 0; c < 3; ++c) sum += std::abs(static_cast<int>(p[c]) - static_cast<int>(v[2 - c]));
    }
  return sum / (3.0 * img.width * img.height);
}

TEST(WriteImage, JpegPngAndWebpDecodeToTheImageWritten) {
  const fs::path dir = test::fresh_temp_dir("cords-writers", "images");
  const Image img = test_card(181, 97);
  for (const auto& [name, tolerance] :
       {std::pair<const char*, double>{"a.png", 0.0}, {"b.jpg", 6.0}, {"c.JPEG", 6.0}, {"d.webp", 6.0}}) {
    const fs::path p = dir / name;
    write_image(p.string(), img);
    const cv::Mat back = cv::imread(p.string(), cv::IMREAD_COLOR);
    ASSERT_FALSE(back.empty()) << name << " does not decode";
    EXPECT_EQ(back.cols, img.width) << name;
    EXPECT_EQ(back.rows, img.height) << name;
    EXPECT_LE(mean_abs_diff(img, back), tolerance) << name;
    const cv::Vec3b red = back.at<cv::Vec3b>(img.height / 2, img.width / 6);  // BGR
    EXPECT_GT(red[2], 180) << name;
    EXPECT_LT(red[1], 80) << name;
  }
  // Quality reaches the JPEG encoder: lower quality, smaller file.
  write_image((dir / "q30.jpg").string(), img, 30);
  EXPECT_LT(fs::file_size(dir / "q30.jpg"), fs::file_size(dir / "b.jpg"));
  // Only complete files, and clear errors.
  for (const auto& e : fs::directory_iterator(dir))
    EXPECT_EQ(e.path().filename().string().find(".tmp"), std::string::npos);
  try {
    write_image((dir / "x.bmp").string(), img);
    ADD_FAILURE() << ".bmp accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::InvalidArgument);
  }
  try {
    write_image((dir / "missing" / "x.jpg").string(), img);
    ADD_FAILURE() << "a missing folder accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::OutputUnwritable);
  }
}

// A YUV picture whose luma encodes the frame number (a flat field of 40 + 4 n) with neutral chroma.
Yuv420 numbered_frame(int w, int h, int n) {
  Yuv420 pic;
  pic.resize(w, h);
  std::fill(pic.plane(0), pic.plane(0) + static_cast<std::ptrdiff_t>(w) * h, static_cast<std::uint8_t>(40 + 4 * n));
  std::fill(pic.plane(1), pic.data.data() + pic.data.size(), static_cast<std::uint8_t>(128));
  return pic;
}

TEST(ClipWriter, EncodesEveryFrameInOrderAndRenamesOnClose) {
  const fs::path dir = test::fresh_temp_dir("cords-writers", "clip");
  const std::string path = (dir / "clip.mp4").string();
  {
    ClipWriter clip(path, {25, 1}, 64, 48);
    for (int n = 0; n < 30; ++n) clip.write(numbered_frame(64, 48, n));
    EXPECT_FALSE(fs::exists(path)) << "the clip appears only when it is whole";
    clip.close();
  }
  ASSERT_TRUE(fs::exists(path));
  decode::DecodeOptions o;
  o.sample_fps = 0;
  o.yuv420 = true;
  decode::FFmpegSource src(path, o);
  EXPECT_EQ(src.info().width, 64);
  EXPECT_EQ(src.info().height, 48);
  decode::Frame f;
  int n = 0;
  for (; src.next(f); ++n) EXPECT_NEAR(f.yuv.plane(0)[24 * 64 + 32], 40 + 4 * n, 3) << "frame " << n;
  EXPECT_EQ(n, 30) << "every frame, the last one included";
  for (const auto& e : fs::directory_iterator(dir)) EXPECT_EQ(e.path().filename(), "clip.mp4");
  fs::remove_all(dir);
}

TEST(ClipWriter, AbandonedOrMisusedLeavesNothingBehind) {
  const fs::path dir = test::fresh_temp_dir("cords-writers", "clip-bad");
  const std::string path = (dir / "clip.mp4").string();
  {
    ClipWriter clip(path, {30000, 1001}, 64, 48);
    for (int n = 0; n < 20; ++n) clip.write(numbered_frame(64, 48, n));
    try {
      clip.write(numbered_frame(32, 48, 0));
      FAIL() << "a frame of another size";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::Internal);
    }
  }  // destroyed without close(): the queued frames are dropped and the temporary file removed
  EXPECT_TRUE(fs::is_empty(dir));
  try {
    ClipWriter clip((dir / "missing" / "clip.mp4").string(), {25, 1}, 64, 48);
    FAIL() << "a clip in a folder that does not exist";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::OutputUnwritable);
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace cords::output
