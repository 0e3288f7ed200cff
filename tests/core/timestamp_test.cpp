#include "cords/core/timestamp.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

namespace cords {
namespace {

TEST(Timestamp, NearestTickOfATimeInSeconds) {
  EXPECT_EQ(Timestamp::nearest(6.0, {1, 12800}).pts, 76800);
  EXPECT_EQ(Timestamp::nearest(1.0 / 3, {1, 90000}).pts, 30000);  // 0.333... s is 30000 ticks, not 29999
  EXPECT_EQ(Timestamp::nearest(0.5, {1001, 30000}).pts, 15);      // 14.985 frames of 1001/30000 s
  EXPECT_EQ(Timestamp::nearest(-0.5, {1, 1000}).pts, -500);
  // Far beyond any stream (e.g. --end 1e300): held at 2^62 ticks, so adding a start time cannot overflow.
  const std::int64_t far = Timestamp::nearest(1e300, {1, 90000}).pts;
  EXPECT_EQ(far, std::int64_t{1} << 62);
  EXPECT_GT(far + far / 2, far);
  EXPECT_EQ(Timestamp::nearest(-1e300, {1, 90000}).pts, -(std::int64_t{1} << 62));
}

TEST(Timestamp, MulDivIsExactBeyond64BitProducts) {
  EXPECT_EQ(mul_div_floor(7, 3, 2), 10);
  EXPECT_EQ(mul_div_ceil(7, 3, 2), 11);
  EXPECT_EQ(mul_div_floor(8, 3, 2), 12);
  EXPECT_EQ(mul_div_ceil(8, 3, 2), 12);
  EXPECT_EQ(mul_div_ceil(0, 5, 3), 0);
  // The product 2^62 x 2^40 overflows 64 bits; the quotient does not.
  const std::int64_t big = std::int64_t{1} << 62;
  EXPECT_EQ(mul_div_floor(big, std::int64_t{1} << 40, std::int64_t{1} << 41), big / 2);
  EXPECT_EQ(mul_div_ceil(big + 1, 3, 3 * 4), big / 4 + 1);
  EXPECT_EQ(mul_div_floor(big + 1, 3, 3 * 4), big / 4);
}

}  // namespace
}  // namespace cords
