#include "cords/core/rng.h"

#include <cmath>
#include <unordered_map>

#include "cords/core/check.h"

namespace cords {
namespace {
std::uint64_t splitmix64(std::uint64_t& x) {
  std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
std::uint64_t rotl(std::uint64_t x, int k) {
  return (x << k) | (x >> (64 - k));
}
}  // namespace

Rng::Rng(std::uint64_t seed) {
  for (auto& s : s_) s = splitmix64(seed);
}

std::uint64_t Rng::next() {
  const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const std::uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

std::uint64_t Rng::uniform(std::uint64_t n) {
  CORDS_CHECK(n > 0, "empty range");
  // Rejection sampling: unbiased and portable.
  const std::uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  std::uint64_t x;
  do {
    x = next();
  } while (x >= limit);
  return x % n;
}

double Rng::uniform01() {
  return static_cast<double>(next() >> 11) * 0x1.0p-53;
}

double Rng::normal() {
  double u1 = uniform01();
  while (u1 <= 0.0) u1 = uniform01();
  const double u2 = uniform01();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
}

std::vector<std::int64_t> Rng::sample_without_replacement(std::int64_t n, std::int64_t k) {
  CORDS_CHECK(k >= 0 && k <= n, "k=" << k << " n=" << n);
  // Partial Fisher-Yates over a virtual identity permutation (sparse map keeps it O(k) memory).
  std::unordered_map<std::int64_t, std::int64_t> swapped;
  std::vector<std::int64_t> out;
  out.reserve(static_cast<std::size_t>(k));
  auto at = [&](std::int64_t i) {
    auto it = swapped.find(i);
    return it == swapped.end() ? i : it->second;
  };
  for (std::int64_t i = 0; i < k; ++i) {
    const auto j = i + static_cast<std::int64_t>(uniform(static_cast<std::uint64_t>(n - i)));
    const auto vi = at(i), vj = at(j);
    swapped[j] = vi;
    swapped[i] = vj;
    out.push_back(vj);
  }
  return out;
}

}  // namespace cords
