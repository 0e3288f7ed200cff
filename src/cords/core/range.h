#pragma once
// The range of a numeric parameter, written once (docs/architecture.md, "One option table per command"): the
// library checks values with it (check_range), and the CLI's option tables show it in --help and the man page.
#include <cmath>
#include <limits>
#include <string>

namespace cords {

struct Range {
  double lo = -std::numeric_limits<double>::infinity();
  double hi = std::numeric_limits<double>::infinity();
  bool lo_open = false, hi_open = false;
  const char* hint = "";  ///< appended to the error in brackets: what the value means

  /// Whether v is finite and inside.
  bool contains(double v) const {
    return std::isfinite(v) && (lo_open ? v > lo : v >= lo) && (hi_open ? v < hi : v <= hi);
  }
  /// Anything finite (no bound).
  bool unbounded() const { return std::isinf(lo) && std::isinf(hi); }
  /// "> 0", ">= 1", "in (0, 1]", "from 0 to 10".
  std::string describe() const;
};

/// >= lo.
constexpr Range at_least(double lo, const char* hint = "") {
  return {lo, std::numeric_limits<double>::infinity(), false, false, hint};
}
/// > lo.
constexpr Range above(double lo, const char* hint = "") {
  return {lo, std::numeric_limits<double>::infinity(), true, false, hint};
}
/// [lo, hi].
constexpr Range from_to(double lo, double hi, const char* hint = "") {
  return {lo, hi, false, false, hint};
}
/// (lo, hi].
constexpr Range over_to(double lo, double hi, const char* hint = "") {
  return {lo, hi, true, false, hint};
}
/// [lo, hi).
constexpr Range from_below(double lo, double hi, const char* hint = "") {
  return {lo, hi, false, true, hint};
}

/// Throws Error{InvalidArgument}: "<param(name)> must be <range>, got <v> (<hint>)" when v is outside (or not finite).
void check_range(const std::string& name, double v, const Range& r);

/// A parameter and its range: the rows of a library's range table.
struct RangeRow {
  const char* name;  ///< the parameter's name (param(): the CLI's flag in snake_case)
  Range range;
};

/// The row of `name` in `table`; nullptr when none.
template <class Table>
const Range* range_in(const Table& table, const std::string& name) {
  for (const auto& row : table)
    if (name == row.name) return &row.range;
  return nullptr;
}

}  // namespace cords
