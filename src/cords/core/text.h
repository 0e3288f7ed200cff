#pragma once
// Numbers as people read them in headers, messages and galleries.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>

#include "cords/core/timestamp.h"

namespace cords {

/// A message's first line, at most `max` characters (LibTorch's and FFmpeg's messages carry traces on further lines).
inline std::string first_line(const std::string& s, std::size_t max = std::string::npos) {
  return s.substr(0, std::min(max, s.find('\n')));
}

/// "1 shot", "2 shots": `n` and the word, plural with an "s" unless n is 1.
inline std::string plural(long long n, const std::string& word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

/// A frame rate as a decimal: 24/1 -> "24", 2997/125 -> "23.976", 30000/1001 -> "29.97"; "unknown" when invalid.
inline std::string format_rate(const Rational& r) {
  if (!r.valid()) return "unknown";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", r.value());
  std::string s = buf;
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

/// Bytes with a binary unit: "812 B", "3.4 MiB", "1.2 GiB".
inline std::string format_bytes(std::int64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
  return buf;
}

/// A JSON document as text, with `indent` spaces per level and a final newline. Strings that are not valid UTF-8
/// (file names from old archives: Latin-1, Windows code pages) are written with U+FFFD for each invalid byte instead
/// of failing the whole write (nlohmann's default throws type_error 316). `Json` is nlohmann::json.
template <class Json>
std::string json_text(const Json& j, int indent = 2) {
  return j.dump(indent, ' ', false, Json::error_handler_t::replace) + "\n";
}

}  // namespace cords
