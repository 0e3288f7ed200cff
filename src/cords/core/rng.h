#pragma once
// A small, portable, seedable random generator (xoshiro256** seeded by splitmix64). Unlike the standard
// distributions, its outputs are the same on every platform and standard library, so seeded selections are
// reproducible everywhere. Not thread-safe: one generator per thread.
#include <array>
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
  /// The generator's whole state, to save and restore (checkpoints): a restored generator continues the sequence.
  std::array<std::uint64_t, 4> state() const { return {s_[0], s_[1], s_[2], s_[3]}; }
  void set_state(const std::array<std::uint64_t, 4>& s) {
    for (int i = 0; i < 4; ++i) s_[i] = s[static_cast<std::size_t>(i)];
  }

 private:
  std::uint64_t s_[4];
};

}  // namespace cords
