#pragma once
// Temporary files and folders that must not outlive an interrupted run (docs/cli.md, "Safety").
//
// Code that creates a temporary path registers it for as long as it exists (TempRegistration, RAII). When the
// process receives SIGINT, SIGTERM or SIGHUP, the handler that the executable installs (install_interrupt_cleanup)
// removes every registered path and exits with 128 + the signal's number, as a shell reports a signal death. A
// SIGKILL cannot be caught: what it leaves is recognised and removed by the next run (pipeline/summary_dir.h).
#include <cstdint>
#include <mutex>
#include <string>

namespace cords {

/// Registers `path` for removal on interruption while this object lives. Move-only.
class TempRegistration {
 public:
  TempRegistration() = default;
  explicit TempRegistration(std::string path);
  ~TempRegistration();
  TempRegistration(TempRegistration&& other) noexcept;
  TempRegistration& operator=(TempRegistration&& other) noexcept;
  TempRegistration(const TempRegistration&) = delete;
  TempRegistration& operator=(const TempRegistration&) = delete;
  /// Stops watching the path (it was renamed into place, or removed).
  void release();

 private:
  std::uint64_t id_ = 0;
};

/// Opens /dev/null on whichever of the descriptors 0, 1 and 2 is closed (`cmd <&- 2>&-`, some daemons), so that no
/// file, pipe or socket the process opens later is taken for standard input, output or error. Called by
/// install_interrupt_cleanup(); idempotent.
void occupy_standard_descriptors();

/// Process-wide, called once by the executable at start (it first occupies the standard descriptors): installs handlers
/// for SIGINT, SIGTERM and SIGHUP that wake a thread of its own, which removes the registered paths, prints one line
/// and ends the process with exit code 128 + signal.
void install_interrupt_cleanup();

/// Held while a few renames must happen together (swapping a summary into place): an interruption waits for it
/// to be released, so the user has the old output or the new one, never neither.
std::unique_lock<std::recursive_mutex> defer_interrupt_cleanup();

/// Whether a process with this id is running (kill(pid, 0)); the calling process counts as not running, since a
/// temporary path bearing its own id that it did not register is a leftover of an earlier process with that id.
bool process_alive(long pid);

}  // namespace cords
