#pragma once
// summary.json: the manifest's layout, key by key as docs/formats.md lists them (pinned by tests/golden/summary.json).
#include <nlohmann/json.hpp>

#include "cords/pipeline/summarizer.h"

namespace cords::pipeline {

/// The whole manifest of a summary.
nlohmann::json to_json(const SummarizeConfig& cfg, const SummaryResult& r);

}  // namespace cords::pipeline
