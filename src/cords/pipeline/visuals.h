#pragma once
// Pass 2 of a summary: the keyframe images, the contact sheet and the clip, written into a folder.
#include <string>

#include "cords/pipeline/summarizer.h"

namespace cords::pipeline {

/// Decodes the keyframes and the clip's windows again and writes the images, the sheet and the clip into `dir`;
/// keyframes that cannot be decoded again are dropped from res (and reported in res.warnings).
void write_visuals(const SummarizeConfig& cfg, SummaryResult& res, const std::string& dir, const ProgressFn& progress);

}  // namespace cords::pipeline
