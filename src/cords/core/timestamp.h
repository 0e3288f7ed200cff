#pragma once
// Exact time: a rational time base and integer timestamps, as containers store them. Seconds (double) are
// derived for display and JSON only; comparisons and arithmetic on time use pts and the time base.
#include <cstdint>
#include <numeric>
#include <string>

namespace cords {

/// A rational number num/den with den > 0 (e.g. a frame rate 30000/1001 or a time base 1/90000).
struct Rational {
  std::int64_t num = 0;
  std::int64_t den = 1;
  double value() const { return den ? static_cast<double>(num) / static_cast<double>(den) : 0.0; }
  bool valid() const { return num > 0 && den > 0; }
  std::string str() const { return std::to_string(num) + "/" + std::to_string(den); }
};

/// A presentation timestamp in units of a time base.
struct Timestamp {
  std::int64_t pts = 0;
  Rational time_base{1, 1};
  double seconds() const { return static_cast<double>(pts) * time_base.value(); }
};

/// "mm:ss.mmm" (or "h:mm:ss.mmm" from one hour) for captions and file names.
std::string format_time(double seconds, bool for_file_name = false);

}  // namespace cords
