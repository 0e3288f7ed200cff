#pragma once
// Batch mode: summarize every video under some folders (and files), in parallel, resumably, one shard of the work
// per process when run on a cluster (docs/batch.md).
//   - Output mirrors the inputs: OUT/<relative path without extension>.summary/ (files given directly: by name).
//   - Resume: a video whose OUT/.../summary.json exists is skipped (outputs appear only complete, by rename);
//     force redoes it. A lock file per video (flock) keeps two processes off the same video; temporary directories
//     left by a killed run are removed before the video is redone.
//   - Failure isolation: a video that fails is recorded with its error; the others go on.
//   - Sharding: video v belongs to shard hash(relative path) mod N: stable across machines and runs.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "cords/pipeline/summarizer.h"

namespace cords::pipeline {

struct Shard {
  int index = 0;  ///< 0-based
  int count = 1;
};

/// "I/N" -> {I, N}; throws Error{InvalidArgument} unless 0 <= I < N.
Shard parse_shard(const std::string& s);
/// The shard from a Slurm job array (SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_COUNT) or a Kubernetes Indexed Job
/// (JOB_COMPLETION_INDEX, with CORDS_SHARD_COUNT), else {0, 1}. Throws for inconsistent values.
Shard shard_from_environment();

struct BatchConfig {
  std::vector<std::string> inputs;  ///< folders (searched recursively) and files
  std::string output_dir;
  std::vector<std::string> extensions{"mp4", "mkv", "mov", "avi", "webm", "mpg", "mpeg", "m4v", "ogv", "wmv", "flv", "ts", "3gp"};
  int jobs = 1;                     ///< videos summarized at once
  Shard shard;
  bool force = false;
  SummarizeConfig video;            ///< per-video settings (input, output_dir and force are set per video)
};

struct BatchItem {
  std::string input;       ///< path as found
  std::string relative;    ///< its path relative to its input folder
  std::string output;      ///< its summary directory
  std::string status;      ///< "done", "skipped" (already complete), "locked" (another process has it), "failed"
  std::string error;       ///< for failed
  int exit_code = 0;       ///< for failed: the documented code of its error
  double duration = -1;    ///< of the video, seconds
  std::int64_t keyframes = 0;
  double seconds = 0;      ///< time spent on it in this run
};

struct BatchReport {
  Shard shard;
  std::vector<BatchItem> items;  ///< this shard's videos, in path order
  int failed = 0;
  double seconds = 0;
};

/// Every video file under the inputs (sorted, deterministic), with its relative path.
std::vector<std::pair<std::string, std::string>> discover_videos(const std::vector<std::string>& inputs,
                                                                 const std::vector<std::string>& extensions);

/// (done, total, item just finished)
using BatchProgressFn = std::function<void(std::int64_t, std::int64_t, const BatchItem&)>;

/// Runs the batch and writes OUT/report.json (or OUT/report-shard-I-of-N.json when sharded) atomically.
/// Throws Error only for problems with the batch itself (no input, unwritable OUT, bad model); per-video errors
/// are in the report.
BatchReport run_batch(const BatchConfig& cfg, const BatchProgressFn& progress = {});

}  // namespace cords::pipeline
