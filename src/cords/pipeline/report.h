#pragma once
// Batch reports: merging the per-shard reports of a batch, and the HTML gallery of its contact sheets.
#include <string>
#include <vector>

#include "cords/pipeline/batch.h"

namespace cords::pipeline {

/// Writes a batch report atomically: the videos, how many failed, and which shard it covers (shard.count == 0: a
/// merged report of all shards). The one place the report's format is written (docs/batch.md).
void write_report(const std::string& path, const std::string& out_dir, const std::vector<BatchItem>& items, Shard shard,
                  double seconds);

/// The videos of one report's JSON text (`name` for messages). Throws Error{InputUnreadable} for text that is not
/// JSON, not an object with an 'items' list, or whose fields have the wrong types.
std::vector<BatchItem> parse_report(const std::string& text, const std::string& name);

/// Reads OUT/report.json and every OUT/report-shard-*.json, and returns their videos (one entry per relative
/// path; where two reports name the same video, a completed one wins over locked, failed over nothing).
/// Throws Error{InputUnreadable} when OUT holds no report.
std::vector<BatchItem> read_reports(const std::string& out_dir);

/// Writes OUT/index.html atomically: a gallery of every summarized video's contact sheet, with links to its clip and
/// JSON manifest, and a list of the videos that failed with their errors. Paths are relative, so OUT can be moved.
void write_gallery(const std::string& out_dir, const std::vector<BatchItem>& items,
                   const std::string& sheet_name = "sheet.jpg", const std::string& clip_name = "summary.mp4");

/// `cords-summarize report OUT`: merges the reports into OUT/report.json and writes OUT/index.html.
/// Returns the number of failed videos.
int merge_reports(const std::string& out_dir);

}  // namespace cords::pipeline
