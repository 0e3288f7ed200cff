// Parsing a batch report (report.json, report-shard-*.json): kept apart from the gallery so that it builds without
// FFmpeg or OpenCV, for its fuzz target (tests/fuzz/fuzz_report.cpp).
#include <cmath>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <type_traits>

#include "cords/core/error.h"
#include "cords/core/names.h"
#include "cords/pipeline/report.h"

namespace cords::pipeline {
namespace {

// A field of the expected type, or the default when absent or null; another type is an error. An integer field
// takes a whole number within T's range only (a float such as 5.8e33 converted to an integer is undefined
// behaviour: found by the fuzz target, its input is in the corpus).
template <class T>
T field(const nlohmann::json& j, const char* key, T fallback, const std::string& name) {
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  const auto wrong = [&](const char* why) {
    return input_unreadable("malformed report '" + name + "': field '" + key + "' " + why);
  };
  if constexpr (std::is_integral_v<T>) {
    if (!it->is_number()) throw wrong("has the wrong type");
    const double v = it->get<double>();
    // (max + 1 is exact in double for every integer type; max itself may round up to it)
    if (!(std::isfinite(v) && v == std::floor(v) && v >= static_cast<double>(std::numeric_limits<T>::min()) &&
          v < static_cast<double>(std::numeric_limits<T>::max()) + 1.0))
      throw wrong("is not a whole number in range");
    if (it->is_number_float()) return static_cast<T>(v);
    if (it->is_number_unsigned()) {
      const auto u = it->get<std::uint64_t>();
      if (u > static_cast<std::uint64_t>(std::numeric_limits<T>::max())) throw wrong("is not a whole number in range");
      return static_cast<T>(u);
    }
    const auto i = it->get<std::int64_t>();
    if (i < static_cast<std::int64_t>(std::numeric_limits<T>::min()) ||
        i > static_cast<std::int64_t>(std::numeric_limits<T>::max()))
      throw wrong("is not a whole number in range");
    return static_cast<T>(i);
  } else {
    try {
      return it->get<T>();
    } catch (const nlohmann::json::exception&) {
      throw wrong("has the wrong type");
    }
  }
}

}  // namespace

namespace {
constexpr Named<ItemStatus> kStatusNames[] = {{ItemStatus::Pending, ""},
                                              {ItemStatus::Done, "done"},
                                              {ItemStatus::Skipped, "skipped"},
                                              {ItemStatus::Locked, "locked"},
                                              {ItemStatus::Failed, "failed"}};
constexpr Named<FailureCause> kCauseNames[] = {{FailureCause::Error, "error"},
                                               {FailureCause::Crash, "crash"},
                                               {FailureCause::Timeout, "timeout"},
                                               {FailureCause::OutOfMemory, "out-of-memory"}};
}  // namespace

const char* to_string(FailureCause c) {
  return name_in(kCauseNames, c);
}

std::optional<FailureCause> parse_failure_cause(const std::string& s) {
  return value_in(kCauseNames, s);
}

const char* to_string(ItemStatus s) {
  return name_in(kStatusNames, s);
}

std::optional<ItemStatus> parse_item_status(const std::string& s) {
  return value_in(kStatusNames, s);
}

std::vector<BatchItem> parse_report(const std::string& text, const std::string& name) {
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) throw input_unreadable("cannot read report '" + name + "': not valid JSON");
  if (!j.is_object()) throw input_unreadable("malformed report '" + name + "': not a JSON object");
  const auto items = j.find("items");
  if (items == j.end() || !items->is_array())
    throw input_unreadable("malformed report '" + name + "': 'items' is not a list");
  std::vector<BatchItem> out;
  for (const auto& it : *items) {
    if (!it.is_object()) throw input_unreadable("malformed report '" + name + "': an item is not an object");
    BatchItem i;
    i.input = field<std::string>(it, "input", "", name);
    i.relative = field<std::string>(it, "relative", "", name);
    i.output = field<std::string>(it, "output", "", name);
    const std::string status = field<std::string>(it, "status", "", name);
    const auto parsed = parse_item_status(status);
    if (!parsed) throw input_unreadable("malformed report '" + name + "': unknown status '" + status + "'");
    i.status = *parsed;
    i.error = field<std::string>(it, "error", "", name);
    i.exit_code = field<int>(it, "exit_code", 0, name);
    const std::string cause = field<std::string>(it, "cause", "error", name);
    const auto parsed_cause = parse_failure_cause(cause);
    if (!parsed_cause) throw input_unreadable("malformed report '" + name + "': unknown cause '" + cause + "'");
    i.cause = *parsed_cause;
    i.duration = field<double>(it, "duration", -1.0, name);
    i.keyframes = field<std::int64_t>(it, "keyframes", 0, name);
    i.seconds = field<double>(it, "seconds", 0.0, name);
    i.warnings = field<std::vector<std::string>>(it, "warnings", {}, name);
    if (i.relative.empty()) throw input_unreadable("malformed report '" + name + "': an item has no 'relative' path");
    out.push_back(std::move(i));
  }
  return out;
}

}  // namespace cords::pipeline
