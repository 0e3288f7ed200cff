#include "cords/select/budget.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "cords/core/error.h"

namespace cords::select {

Budget Budget::count(Index k) {
  if (k < 1) throw invalid_argument("budget must be a count >= 1, got " + std::to_string(k));
  Budget b;
  b.kind_ = Kind::Count;
  b.k_ = k;
  return b;
}

Budget Budget::fraction(double share) {
  if (!(share > 0 && share <= 1)) {
    char got[32];
    std::snprintf(got, sizeof got, "%g", share);
    throw invalid_argument(std::string("fraction must be in (0, 1], got ") + got);
  }
  Budget b;
  b.kind_ = Kind::Fraction;
  b.share_ = share;
  return b;
}

std::string Budget::rule() const {
  switch (kind_) {
    case Kind::Count:
      return "budget";
    case Kind::Fraction:
      return "fraction";
    case Kind::Automatic:
      break;
  }
  return "auto";
}

Index share_of(double share, double base) {
  // (The small allowance keeps products like 0.1 x 30 = 3.0000000000000004 at 3.)
  return std::max<Index>(1, static_cast<Index>(std::ceil(share * base - 1e-9)));
}

Index Budget::resolve(Index n, const std::string& items) const {
  if (kind_ == Kind::Automatic) throw invalid_argument("no budget given: give a count or a fraction");
  const Index k = kind_ == Kind::Count ? k_ : share_of(share_, static_cast<double>(n));
  if (k > n)
    throw invalid_argument("budget " + std::to_string(k) + " is larger than the number of " + items + " (" +
                           std::to_string(n) + ")");
  return k;
}

Index Budget::cap(Index n) const {
  if (kind_ == Kind::Count) return std::min(k_, n);
  if (kind_ == Kind::Fraction) return std::min(n, share_of(share_, static_cast<double>(n)));
  return 0;
}

}  // namespace cords::select
