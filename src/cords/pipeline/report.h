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

/// Reads OUT/report.json and every OUT/report-shard-I-of-N.json, and returns their videos (one entry per relative
/// path; where two reports name the same video, a completed one wins over locked, failed over nothing), each output
/// resolved against OUT (reports store it relative to OUT). A video reported complete whose folder is not in OUT
/// is returned as failed. `missing_shards` (optional) gets the shards "I/N" that are missing ("" when 0..N-1 of a
/// single N are all there, or the batch was not sharded). Throws Error{InputUnreadable} when OUT holds no report, a
/// report is not a regular file, or names an output outside OUT.
std::vector<BatchItem> read_reports(const std::string& out_dir, std::string* missing_shards = nullptr);

/// Writes OUT/index.html atomically: a gallery of every summarized video's contact sheet, with links to its clip and
/// JSON manifest, and a list of the videos that failed with their errors. Paths are relative, so OUT can be moved.
void write_gallery(const std::string& out_dir, const std::vector<BatchItem>& items,
                   const std::string& sheet_name = "sheet.jpg", const std::string& clip_name = "summary.mp4");

/// `cords-summarize report OUT`: merges the reports into OUT/report.json and writes OUT/index.html.
/// Returns the number of failed videos; `missing_shards` as read_reports gives it.
int merge_reports(const std::string& out_dir, std::string* missing_shards = nullptr);

}  // namespace cords::pipeline
