#pragma once
// A small, portable, seedable random generator (xoshiro256** seeded by splitmix64). Unlike the standard
// distributions, its outputs are the same on every platform and standard library, so seeded selections are
// reproducible everywhere. Not thread-safe: one generator per thread.
#include <cstdint>
#include <vector>

namespace cords {

class Rng {
 public:
  explicit Rng(std::uint64_t seed = 0);
  std::uint64_t next();
  /// Uniform integer in [0, n). REQUIRES: n > 0.
  std::uint64_t uniform(std::uint64_t n);
  /// Uniform double in [0, 1).
  double uniform01();
  /// Standard normal (Box-Muller).
  double normal();
  /// k distinct indices drawn uniformly from [0, n), in draw order. REQUIRES: k <= n.
  std::vector<std::int64_t> sample_without_replacement(std::int64_t n, std::int64_t k);

 private:
  std::uint64_t s_[4];
};

}  // namespace cords
