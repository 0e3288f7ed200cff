#include "cords/pipeline/html.h"

#include <cctype>
#include <cstdio>

namespace cords::pipeline {

std::string html(const std::string& s) {
  std::string o;
  for (char c : s) {
    switch (c) {
      case '&':
        o += "&amp;";
        break;
      case '<':
        o += "&lt;";
        break;
      case '>':
        o += "&gt;";
        break;
      case '"':
        o += "&quot;";
        break;
      default:
        o += c;
    }
  }
  return o;
}

// A relative path as a URL path: each segment percent-encoded where needed.
std::string url(const std::filesystem::path& rel) {
  std::string o;
  for (const auto& part : rel) {
    if (!o.empty()) o += '/';
    for (unsigned char c : part.string()) {
      if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~')
        o += static_cast<char>(c);
      else {
        char buf[4];
        std::snprintf(buf, sizeof buf, "%%%02X", c);
        o += buf;
      }
    }
  }
  return o;
}

std::string file_url(const std::filesystem::path& absolute) {
  return "file:///" + url(absolute.relative_path());
}

}  // namespace cords::pipeline
