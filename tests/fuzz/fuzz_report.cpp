// Fuzz target: a batch shard report (report.json, report-shard-I-of-N.json) as `cords-summarize report` reads it.
#include <cstdint>
#include <string>

#include "cords/core/error.h"
#include "cords/pipeline/report.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    cords::pipeline::parse_report(std::string(reinterpret_cast<const char*>(data), size), "fuzz.json");
  } catch (const cords::Error&) {
  }
  return 0;
}
