#pragma once
// Files written atomically: content goes to a hidden temporary file in the destination's directory, which is
// flushed, fsync'ed and renamed over the destination on commit(). A reader (or a crash at any moment) sees
// either the old file or the complete new one, never a partial file. An AtomicFile destroyed without commit()
// removes its temporary file.
#include <cstdio>
#include <string>

#include "cords/core/cleanup.h"

namespace cords {

class AtomicFile {
 public:
  /// Opens a temporary file next to `path` (registered for removal on interruption, cleanup.h). Throws
  /// Error{OutputUnwritable} naming `path` on failure, and when `path` exists and is not a regular file (a folder,
  /// a device node, a FIFO, a symbolic link): those are never renamed over (output_file.h writes into them).
  explicit AtomicFile(std::string path);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  /// Appends bytes. Throws Error{OutputUnwritable} on a write error (disk full, ...).
  void write(const void* data, std::size_t size);
  void write(const std::string& s) { write(s.data(), s.size()); }
  /// Flushes, fsyncs and renames into place. Throws Error{OutputUnwritable} on failure.
  void commit();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::string temp_;
  std::FILE* file_ = nullptr;
  bool committed_ = false;
  TempRegistration registration_;
};

/// Removes what killed processes left of atomic writes to `path`: regular files `.<name>.tmp-PID-N` beside it whose
/// process PID is no longer running (an interrupted process removes its own; SIGKILL or a power cut cannot).
void remove_stale_atomic_temporaries(const std::string& path);

/// Writes `contents` to `path` atomically (see AtomicFile), first removing stale temporaries of earlier writes to
/// `path` (remove_stale_atomic_temporaries).
void write_file_atomic(const std::string& path, const std::string& contents);

}  // namespace cords
