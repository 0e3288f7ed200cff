#pragma once
// Batch mode: summarize every video under some folders (and files), in parallel, resumably, one shard of the work
// per process when run on a cluster (docs/batch.md).
//   - Output mirrors the inputs: OUT/<relative path without extension>.summary/ (files given directly: by name),
//     always inside OUT: relative paths come from the walk, links are never resolved to compute them.
//   - Resume: a video whose OUT/.../summary.json exists is skipped (outputs appear only complete, by rename);
//     force redoes it. A lock file per video (flock) keeps two processes off the same video; temporary directories
//     left by a killed run are removed before the video is redone.
//   - Failure isolation: a video that fails is recorded with its error; the others go on.
//   - Sharding: video v belongs to shard hash(relative path) mod N: stable across machines and runs.
#include <cstdint>
#include <functional>
#include <optional>
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
  std::vector<std::string> extensions{"mp4", "mkv", "mov", "avi", "webm", "mpg", "mpeg",
                                      "m4v", "ogv", "wmv", "flv", "ts",   "3gp"};
  int jobs = 1;  ///< videos summarized at once
  Shard shard;
  bool force = false;
  SummarizeConfig video;  ///< per-video settings (input, output_dir and force are set per video)
  /// Each video in a worker process (core/worker_process.h), so that a crash, a hang or running out of memory costs
  /// that video only: the command that starts one (the executable's batch-worker mode, which serves
  /// serve_batch_worker with the same settings). Empty: every video in this process, where a crash ends the batch.
  std::vector<std::string> worker_command;
  /// Worker processes only: a video whose summary shows no progress for this many seconds is stopped (its worker
  /// killed) and recorded as failed; 0: no limit.
  double video_timeout = 600;
};

/// What became of one video in a batch run (report.json's "status"; docs/batch.md).
enum class ItemStatus {
  Pending,  ///< not processed (yet)
  Done,     ///< summarized in this run
  Skipped,  ///< already complete from an earlier run
  Locked,   ///< another process holds its lock
  Failed,   ///< its error is in BatchItem::error
};
/// "done", "skipped", "locked", "failed"; "" for Pending.
const char* to_string(ItemStatus s);
/// The inverse of to_string; std::nullopt for any other text.
std::optional<ItemStatus> parse_item_status(const std::string& s);
/// Done or skipped: the video's summary exists.
inline bool complete(ItemStatus s) {
  return s == ItemStatus::Done || s == ItemStatus::Skipped;
}

/// Why a video failed (report.json's "cause"; docs/batch.md).
enum class FailureCause {
  Error,        ///< a documented error (BatchItem::exit_code says which kind)
  Crash,        ///< its worker process died of a signal
  Timeout,      ///< no progress for BatchConfig::video_timeout seconds: its worker was stopped
  OutOfMemory,  ///< an allocation failed, or the system's out-of-memory killer ended its worker
};
/// "error", "crash", "timeout", "out-of-memory".
const char* to_string(FailureCause c);
/// The inverse of to_string; std::nullopt for any other text.
std::optional<FailureCause> parse_failure_cause(const std::string& s);

struct BatchItem {
  std::string input;     ///< path as found
  std::string relative;  ///< its path relative to its input folder
  std::string output;    ///< its summary directory
  ItemStatus status = ItemStatus::Pending;
  std::string error;  ///< for failed
  int exit_code = 0;  ///< for failed: the documented code of its error (1 for a crash, timeout, memory)
  FailureCause cause = FailureCause::Error;  ///< for failed
  double duration = -1;                      ///< of the video, seconds
  std::int64_t keyframes = 0;
  double seconds = 0;                 ///< time spent on it in this run
  std::vector<std::string> warnings;  ///< what degraded its summary (SummaryResult::warnings)
};

struct BatchReport {
  Shard shard;
  std::vector<BatchItem> items;  ///< this shard's videos, in path order
  int failed = 0;
  double seconds = 0;
};

/// A video found by the walk, or a folder that could not be read (`error` set).
struct VideoEntry {
  std::string path;      ///< as found (a link keeps its own name; links are not resolved)
  std::string relative;  ///< relative to its input folder, as walked ("a/b.mp4"); with several inputs, under the
                         ///< input folder's name
  std::string error;     ///< non-empty for an unreadable folder (relative then ends in '/')
};

/// Every video file under the inputs, sorted by relative path (deterministic). Folders are walked without following
/// links to folders; links to files are taken under their own names. `out_dir` (the batch's output folder) and
/// summaries of this tool (NAME.summary folders holding `manifest`) are not entered. Throws Error{InvalidArgument}
/// when `out_dir` is one of the input folders, Error{InputUnreadable} for a missing input.
std::vector<VideoEntry> discover_videos(const std::vector<std::string>& inputs,
                                        const std::vector<std::string>& extensions, const std::string& out_dir = "",
                                        const std::string& manifest = "summary.json");

/// The output folder of each video, relative to OUT: its relative path with ".summary" for its extension, or with
/// ".summary" added where two videos share a stem (clip.mp4, clip.mkv -> clip.mp4.summary, clip.mkv.summary).
std::vector<std::string> output_names(const std::vector<VideoEntry>& videos);

/// (done, total, item just finished)
using BatchProgressFn = std::function<void(std::int64_t, std::int64_t, const BatchItem&)>;

/// The worker side of BatchConfig::worker_command (the executable's batch-worker mode): loads the embedder once, says
/// it is ready (or why not: the batch then fails with that error), then summarizes each video it is sent until its
/// request pipe closes, replying with progress and the video's result. Returns the process's exit code.
int serve_batch_worker(const BatchConfig& cfg);

/// Runs the batch and writes OUT/report.json (or OUT/report-shard-I-of-N.json when sharded) atomically.
/// Throws Error only for problems with the batch itself (no input, unwritable OUT, bad model); per-video errors
/// are in the report.
BatchReport run_batch(const BatchConfig& cfg, const BatchProgressFn& progress = {});

}  // namespace cords::pipeline
