#pragma once
// Deterministic test data: Gaussian blobs and uniform matrices from cords::Rng.
#include <cstdint>

#include "cords/core/matrix.h"
#include "cords/core/rng.h"

namespace cords::test {

/// n points in `clusters` Gaussian blobs in d dimensions (centres ~ N(0, spread^2), points ~ centre + N(0, 1)).
/// Point i belongs to blob i % clusters.
inline Matrix blobs(Index n, Index d, Index clusters, std::uint64_t seed, double spread = 4.0) {
  Rng rng(seed);
  Matrix centres(clusters, d), x(n, d);
  for (Index c = 0; c < clusters; ++c)
    for (Index t = 0; t < d; ++t) centres(c, t) = static_cast<float>(spread * rng.normal());
  for (Index i = 0; i < n; ++i)
    for (Index t = 0; t < d; ++t) x(i, t) = centres(i % clusters, t) + static_cast<float>(rng.normal());
  return x;
}

/// n x d uniform values in [lo, hi).
inline Matrix uniform(Index n, Index d, std::uint64_t seed, double lo = 0.0, double hi = 1.0) {
  Rng rng(seed);
  Matrix x(n, d);
  for (Index i = 0; i < n; ++i)
    for (Index t = 0; t < d; ++t) x(i, t) = static_cast<float>(lo + (hi - lo) * rng.uniform01());
  return x;
}

}  // namespace cords::test
