#pragma once
// A summary's own page (index.html in its folder, docs/formats.md): the clip playing with its parts as chapters,
// the original video with its shots as chapters and the seek-bar thumbnails on hover, the keyframes. Everything it
// needs is in the page or beside it: it works opened from a plain folder (file://, no server, nothing fetched).
#include <string>

#include "cords/pipeline/summarizer.h"

namespace cords::pipeline {

/// The page for the summary in `final_dir` (links to the input relative to it), as HTML text.
std::string summary_page(const SummarizeConfig& cfg, const SummaryResult& res, const std::string& final_dir);

}  // namespace cords::pipeline
