#include "cords/core/timestamp.h"

#include <cmath>
#include <cstdio>

namespace cords {

namespace {
__extension__ typedef __int128 Wide;  // (GCC and Clang: the product of two int64 needs 128 bits)
}  // namespace

std::int64_t mul_div_floor(std::int64_t a, std::int64_t b, std::int64_t c) {
  return static_cast<std::int64_t>(static_cast<Wide>(a) * b / c);
}

std::int64_t mul_div_ceil(std::int64_t a, std::int64_t b, std::int64_t c) {
  return static_cast<std::int64_t>((static_cast<Wide>(a) * b + c - 1) / c);
}

std::string format_time(double seconds, bool for_file_name) {
  if (!(seconds >= 0)) seconds = 0;
  if (seconds >= 9.0e15 / 1000.0) return for_file_name ? "beyond" : "beyond 2.8e5 years";  // (llround's range)
  const long long ms = std::llround(seconds * 1000.0);
  const long long h = ms / 3600000, m = (ms / 60000) % 60, s = (ms / 1000) % 60, r = ms % 1000;
  char buf[64];
  const char* sep = for_file_name ? "-" : ":";
  if (h > 0)
    std::snprintf(buf, sizeof buf, "%lld%s%02lld%s%02lld.%03lld", h, sep, m, sep, s, r);
  else
    std::snprintf(buf, sizeof buf, "%02lld%s%02lld.%03lld", m, sep, s, r);
  return buf;
}

}  // namespace cords
