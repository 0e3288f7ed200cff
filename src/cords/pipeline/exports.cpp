#include "cords/pipeline/exports.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

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

std::string scenedetect_csv(const std::vector<ShotSpan>& shots) {
  std::string cuts;
  for (std::size_t i = 1; i < shots.size(); ++i) cuts += (i == 1 ? "Timecode List:," : ",") + timecode(shots[i].start);
  return cuts + "\n" + shots_csv(shots);
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

namespace {

// HH:MM:SS:FF at a whole-number rate.
std::string smpte(std::int64_t frames, int rate) {
  char buf[96];
  const std::int64_t f = std::max<std::int64_t>(0, frames);
  std::snprintf(buf, sizeof buf, "%02lld:%02lld:%02lld:%02lld", static_cast<long long>(f / rate / 3600),
                static_cast<long long>(f / rate / 60 % 60), static_cast<long long>(f / rate % 60),
                static_cast<long long>(f % rate));
  return buf;
}

std::int64_t frames_at(double seconds, double fps) {
  return static_cast<std::int64_t>(std::llround(std::max(0.0, seconds) * fps));
}

nlohmann::json rational_time(double value, double rate) {
  return {{"OTIO_SCHEMA", "RationalTime.1"}, {"rate", rate}, {"value", value}};
}

nlohmann::json time_range(double start, double duration, double rate) {
  return {{"OTIO_SCHEMA", "TimeRange.1"},
          {"start_time", rational_time(start, rate)},
          {"duration", rational_time(duration, rate)}};
}

}  // namespace

std::string edl(const std::string& title, const std::string& source_name, const std::vector<SourceSpan>& spans,
                double fps) {
  const int rate = std::max(1, static_cast<int>(std::lround(fps)));
  std::string out = "TITLE: " + title + "\nFCM: NON-DROP FRAME\n\n";
  std::int64_t record = 0;
  char line[160];
  int event = 0;
  for (const auto& s : spans) {
    const std::int64_t in = frames_at(s.start, fps), length = frames_at(s.end, fps) - in;
    if (length <= 0) continue;
    std::snprintf(line, sizeof line, "%03d  AX       V     C        %s %s %s %s\n", ++event % 1000,
                  smpte(in, rate).c_str(), smpte(in + length, rate).c_str(), smpte(record, rate).c_str(),
                  smpte(record + length, rate).c_str());
    out += line;
    out += "* FROM CLIP NAME: " + source_name + "\n";
    record += length;
  }
  return out;
}

std::string otio(const std::string& title, const std::string& source_url, const std::vector<SourceSpan>& spans,
                 double fps, double source_duration) {
  using nlohmann::json;
  json clips = json::array();
  int n = 0;
  for (const auto& s : spans) {
    const std::int64_t in = frames_at(s.start, fps), length = frames_at(s.end, fps) - in;
    if (length <= 0) continue;
    clips.push_back({{"OTIO_SCHEMA", "Clip.1"},
                     {"name", title + " " + std::to_string(++n)},
                     {"source_range", time_range(static_cast<double>(in), static_cast<double>(length), fps)},
                     {"media_reference",
                      {{"OTIO_SCHEMA", "ExternalReference.1"},
                       {"name", ""},
                       {"target_url", source_url},
                       {"available_range", time_range(0, static_cast<double>(frames_at(source_duration, fps)), fps)},
                       {"metadata", json::object()}}},
                     {"effects", json::array()},
                     {"markers", json::array()},
                     {"metadata", json::object()}});
  }
  const json track = {{"OTIO_SCHEMA", "Track.1"}, {"name", title},
                      {"kind", "Video"},          {"children", clips},
                      {"source_range", nullptr},  {"effects", json::array()},
                      {"markers", json::array()}, {"metadata", json::object()}};
  const json timeline = {{"OTIO_SCHEMA", "Timeline.1"},
                         {"name", title},
                         {"global_start_time", nullptr},
                         {"metadata", {{"cords-summarize", {{"frame_rate", fps}}}}},
                         {"tracks",
                          {{"OTIO_SCHEMA", "Stack.1"},
                           {"name", "tracks"},
                           {"children", json::array({track})},
                           {"source_range", nullptr},
                           {"effects", json::array()},
                           {"markers", json::array()},
                           {"metadata", json::object()}}}};
  return timeline.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace cords::pipeline
