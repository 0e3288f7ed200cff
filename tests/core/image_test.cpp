#include "cords/core/image.h"

#include <gtest/gtest.h>

namespace cords {
namespace {

// A picture whose every sample says where it is: plane p, pixel (x, y) = 40 * p + 7 * y + x (mod 256).
Yuv420 numbered(int w, int h) {
  Yuv420 pic;
  pic.resize(w, h);
  for (int p = 0; p < 3; ++p)
    for (int y = 0; y < pic.plane_height(p); ++y)
      for (int x = 0; x < pic.plane_width(p); ++x)
        pic.plane(p)[y * pic.plane_width(p) + x] = static_cast<std::uint8_t>(40 * p + 7 * y + x);
  return pic;
}

TEST(Yuv420, PlanesFollowEachOtherWithRoundedUpChroma) {
  Yuv420 pic;
  pic.resize(5, 3);
  EXPECT_EQ(pic.chroma_width(), 3);
  EXPECT_EQ(pic.chroma_height(), 2);
  EXPECT_EQ(pic.data.size(), 5u * 3 + 2u * 3 * 2);
  EXPECT_EQ(pic.plane(1) - pic.plane(0), 15);
  EXPECT_EQ(pic.plane(2) - pic.plane(1), 6);
  EXPECT_EQ(pic.plane_width(0), 5);
  EXPECT_EQ(pic.plane_height(2), 2);
}

TEST(Yuv420, RotationTurnsEveryPlaneAndFourQuarterTurnsRestoreIt) {
  for (auto [w, h] : {std::pair{6, 4}, std::pair{5, 3}}) {
    const Yuv420 in = numbered(w, h);
    const Yuv420 r = rotate_clockwise(in, 90);
    ASSERT_EQ(r.width, h);
    ASSERT_EQ(r.height, w);
    for (int p = 0; p < 3; ++p) {
      // Clockwise: the input's bottom-left corner becomes the top-left one, its top-left the top-right.
      const int pw = in.plane_width(p), ph = in.plane_height(p);
      ASSERT_EQ(r.plane_width(p), ph) << p;
      ASSERT_EQ(r.plane_height(p), pw) << p;
      EXPECT_EQ(r.plane(p)[0], in.plane(p)[(ph - 1) * pw]) << p;
      EXPECT_EQ(r.plane(p)[ph - 1], in.plane(p)[0]) << p;
      for (int y = 0; y < ph; ++y)
        for (int x = 0; x < pw; ++x) EXPECT_EQ(r.plane(p)[x * ph + (ph - 1 - y)], in.plane(p)[y * pw + x]);
    }
    Yuv420 back = in;
    for (int turn = 0; turn < 4; ++turn) back = rotate_clockwise(back, 90);
    EXPECT_EQ(back.data, in.data);
    EXPECT_EQ(rotate_clockwise(rotate_clockwise(in, 90), 270).data, in.data);
    EXPECT_EQ(rotate_clockwise(rotate_clockwise(in, 180), -180).data, in.data);
    EXPECT_EQ(rotate_clockwise(in, 360).data, in.data);
  }
}

TEST(Image, RotationMovesPixelsClockwise) {
  Image in;
  in.width = 3;
  in.height = 2;
  for (int i = 0; i < 6; ++i)
    in.data.insert(in.data.end(), {static_cast<std::uint8_t>(i), 0, static_cast<std::uint8_t>(10 * i)});
  const Image r = rotate_clockwise(in, 90);
  ASSERT_EQ(r.width, 2);
  ASSERT_EQ(r.height, 3);
  // Row 0 of the result is the input's column 0 read bottom-up: pixels 3 then 0.
  EXPECT_EQ(r.pixel(0, 0)[0], 3);
  EXPECT_EQ(r.pixel(1, 0)[0], 0);
  EXPECT_EQ(r.pixel(1, 0)[2], 0);
  EXPECT_EQ(r.pixel(0, 2)[0], 5);
  EXPECT_EQ(r.pixel(0, 2)[2], 50);
  EXPECT_EQ(rotate_clockwise(r, 270).data, in.data);
}

}  // namespace
}  // namespace cords
