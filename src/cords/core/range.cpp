#include "cords/core/range.h"

#include <cstdio>

#include "cords/core/error.h"

namespace cords {

namespace {

std::string number(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.10g", v);
  return b;
}

}  // namespace

std::string Range::describe() const {
  const bool has_lo = !std::isinf(lo), has_hi = !std::isinf(hi);
  if (has_lo && has_hi) {
    if (!lo_open && !hi_open) return "from " + number(lo) + " to " + number(hi);
    return std::string("in ") + (lo_open ? "(" : "[") + number(lo) + ", " + number(hi) + (hi_open ? ")" : "]");
  }
  if (has_lo) return (lo_open ? "> " : ">= ") + number(lo);
  if (has_hi) return (hi_open ? "< " : "<= ") + number(hi);
  return "a finite number";
}

void check_range(const std::string& name, double v, const Range& r) {
  if (r.contains(v)) return;
  std::string m = param(name) + " must be " + r.describe() + ", got " + number(v);
  if (*r.hint) m += std::string(" (") + r.hint + ")";
  throw invalid_argument(m);
}

}  // namespace cords
