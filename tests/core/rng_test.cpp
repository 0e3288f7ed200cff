#include "cords/core/rng.h"

#include <gtest/gtest.h>

#include <set>

namespace cords {
namespace {

TEST(Rng, IsReproducibleAndPortable) {
  Rng a(42), b(42), c(43);
  for (int i = 0; i < 100; ++i) {
    const auto x = a.next();
    EXPECT_EQ(x, b.next());
    EXPECT_NE(x, c.next());
  }
  // Pinned first output: catches accidental changes to the generator, which would change every seeded result.
  EXPECT_EQ(Rng(0).next(), 0x99ec5f36cb75f2b4ULL);
}

TEST(Rng, UniformStaysInRangeAndCoversIt) {
  Rng r(1);
  std::set<std::uint64_t> seen;
  for (int i = 0; i < 2000; ++i) {
    const auto v = r.uniform(7);
    ASSERT_LT(v, 7u);
    seen.insert(v);
  }
  EXPECT_EQ(seen.size(), 7u);
  for (int i = 0; i < 1000; ++i) {
    const double u = r.uniform01();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
  }
}

TEST(Rng, SampleWithoutReplacementIsDistinct) {
  Rng r(3);
  const auto s = r.sample_without_replacement(1000, 300);
  EXPECT_EQ(s.size(), 300u);
  EXPECT_EQ(std::set<std::int64_t>(s.begin(), s.end()).size(), 300u);
  for (auto v : s) EXPECT_TRUE(v >= 0 && v < 1000);
  const auto all = r.sample_without_replacement(5, 5);
  EXPECT_EQ(std::set<std::int64_t>(all.begin(), all.end()).size(), 5u);
}

}  // namespace
}  // namespace cords
