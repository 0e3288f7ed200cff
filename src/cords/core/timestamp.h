#pragma once
// Exact time: a rational time base and integer timestamps, as containers store them. Seconds (double) are
// derived for display and JSON only; comparisons and arithmetic on time use pts and the time base.
#include <algorithm>
#include <cmath>
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
  /// The tick of `time_base` nearest `seconds`: for a time given in seconds (an option, a duration added to a
  /// frame's time), converted once where it enters; comparisons then use pts. Times beyond +-2^62 ticks (e.g. --end
  /// 1e300) are held there, so that adding a start time cannot overflow.
  static Timestamp nearest(double seconds, Rational time_base) {
    constexpr double kLimit = 4611686018427387904.0;  // 2^62
    const double ticks = seconds * static_cast<double>(time_base.den) / static_cast<double>(time_base.num);
    return {static_cast<std::int64_t>(std::llround(std::clamp(ticks, -kLimit, kLimit))), time_base};
  }
};

/// floor(a * b / c) for a, b >= 0 and c > 0, the product taken in 128 bits (exact time arithmetic on pts).
std::int64_t mul_div_floor(std::int64_t a, std::int64_t b, std::int64_t c);
/// ceil(a * b / c), likewise.
std::int64_t mul_div_ceil(std::int64_t a, std::int64_t b, std::int64_t c);

/// "mm:ss.mmm" (or "h:mm:ss.mmm" from one hour) for captions and file names.
std::string format_time(double seconds, bool for_file_name = false);

}  // namespace cords
