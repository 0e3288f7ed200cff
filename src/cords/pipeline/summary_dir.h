#pragma once
// The summary folder as a thing on disk, under the safety rules of docs/cli.md: what counts as a summary this tool
// wrote (and may therefore replace with --force), how one is replaced, and which leftovers of killed runs may be
// removed. Nothing here deletes a file it did not recognise as the tool's own.
#include <filesystem>
#include <string>
#include <vector>

#include "cords/core/cleanup.h"

namespace cords::pipeline {

/// What a summary written by this tool holds, relative to its folder.
struct SummaryContents {
  std::vector<std::string> files;  ///< the manifest, sheet, clip, exports and keyframes/<image> files present
  bool keyframes_dir = false;      ///< a keyframes/ folder is present
};

/// Whether `dir` is a summary this tool wrote: a folder (not a link) that holds `manifest_name`, a JSON manifest of
/// this tool, and nothing but the files that manifest lists (sheet, clip, exports, keyframes/ images). On true,
/// `contents` lists them; on false, `why` says what is not the tool's (e.g. "it holds 'notes.txt'").
bool recognise_summary(const std::filesystem::path& dir, const std::string& manifest_name, SummaryContents& contents,
                       std::string& why);

/// Throws Error{OutputUnwritable} with one line unless a summary may be written to `dir`: it does not exist (and its
/// parent folder does and is writable); or `force` is set and it is a summary of this tool (recognise_summary) that
/// neither is nor holds `input`. A file, a device node, a link, a folder with other files, the input's own folder
/// or one above it are always refused. Returns what the summary to be replaced holds (nothing when there is none).
SummaryContents check_summary_destination(const std::string& dir, const std::string& input, bool force,
                                          const std::string& manifest_name);

/// A temporary folder beside `dir` (`dir`.tmp-PID), made exclusively, marked as the tool's (so that a later run can
/// recognise it as a leftover) and registered for removal on interruption. Removed when destroyed unless
/// commit()ted. The marker lists `names`, the files the summary may write at the folder's top level (besides
/// keyframes/ images): a later run removes exactly those from a leftover, never anything else put there.
class TempSummaryDir {
 public:
  TempSummaryDir(const std::string& dir, const std::vector<std::string>& names);
  ~TempSummaryDir();
  TempSummaryDir(const TempSummaryDir&) = delete;
  TempSummaryDir& operator=(const TempSummaryDir&) = delete;
  const std::string& path() const { return path_; }
  /// Moves the finished summary to `dest`, replacing the summary there (checked again: the rules of
  /// check_summary_destination with force) so that the old one is there until the new one is complete. Throws
  /// Error{OutputUnwritable}; then `dest` is as it was.
  void commit(const std::string& dest, const std::string& input, const std::string& manifest_name);

 private:
  std::string path_;
  bool committed_ = false;
  TempRegistration registration_;
};

/// Removes leftovers of killed runs beside `dir`, where process PID is no longer running: from `dir`.tmp-PID folders
/// that carry the tool's marker, the files the marker lists, keyframes/ images named as the tool names them and
/// those files' atomic-write leftovers, then the folder if nothing else is in it; and `dir`.tmp-PID (killed while
/// committing) or `dir`.old-PID folders that are summaries of the tool (recognise_summary). Anything else is left
/// alone.
void remove_stale_temporaries(const std::filesystem::path& dir, const std::string& manifest_name);

}  // namespace cords::pipeline
