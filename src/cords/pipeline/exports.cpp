#include "cords/pipeline/exports.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "cords/core/names.h"

namespace cords::pipeline {

namespace {
constexpr Named<ShotStart> kShotStarts[] = {
    {ShotStart::First, "start"}, {ShotStart::Cut, "cut"}, {ShotStart::Fade, "fade"}, {ShotStart::Dissolve, "dissolve"}};
}  // namespace

const char* to_string(ShotStart s) {
  return name_in(kShotStarts, s);
}

std::string timecode(double seconds) {
  const auto ms = static_cast<long long>(std::llround(std::max(0.0, seconds) * 1000.0));
  char buf[32];
  std::snprintf(buf, sizeof buf, "%02lld:%02lld:%02lld.%03lld", ms / 3600000, ms / 60000 % 60, ms / 1000 % 60,
                ms % 1000);
  return buf;
}

std::string shots_csv(const std::vector<ShotSpan>& shots) {
  std::string out =
      "Scene Number,Start Frame,Start Timecode,Start Time (seconds),End Frame,End Timecode,End Time (seconds),"
      "Length (frames),Length (timecode),Length (seconds)\n";
  char row[512];
  for (std::size_t i = 0; i < shots.size(); ++i) {
    const ShotSpan& s = shots[i];
    std::snprintf(row, sizeof row, "%zu,%lld,%s,%.3f,%lld,%s,%.3f,%lld,%s,%.3f\n", i + 1,
                  static_cast<long long>(s.start_frame) + 1, timecode(s.start).c_str(), s.start,
                  static_cast<long long>(s.end_frame), timecode(s.end).c_str(), s.end,
                  static_cast<long long>(s.end_frame - s.start_frame), timecode(s.end - s.start).c_str(),
                  s.end - s.start);
    out += row;
  }
  return out;
}

std::string chapters_vtt(const std::vector<ShotSpan>& shots) {
  std::string out = "WEBVTT\n";
  for (std::size_t i = 0; i < shots.size(); ++i) {
    const std::string at = timecode(shots[i].start);
    out += "\n" + std::to_string(i + 1) + "\n" + at + " --> " + timecode(shots[i].end) + "\nShot " +
           std::to_string(i + 1) + " (" + (at.compare(0, 3, "00:") == 0 ? at.substr(3, 5) : at.substr(0, 8)) + ")\n";
  }
  return out;
}

}  // namespace cords::pipeline
