#pragma once
// Output files of the commands that write one file (`select -o`, reports), under the safety rules of docs/cli.md:
//   - "-" is standard output; a write error there (a full disk) is an error, not a silent success;
//   - a missing or regular file is replaced atomically (AtomicFile); a symbolic link is followed and its target
//     replaced, never the link itself;
//   - a character device or a FIFO (/dev/null, a pipe) is written into, never renamed over; a FIFO that no process
//     reads fails at once instead of blocking;
//   - a folder, a block device, a socket or a dangling link is refused, and so is any of the command's own input
//     files.
// Every refusal and failure throws Error{OutputUnwritable} with one line that names the path.
#include <string>
#include <vector>

namespace cords {

/// Checks `path` before a long run: the rules above, and that a file to be created has a writable folder.
void check_output_file(const std::string& path, const std::vector<std::string>& inputs = {});

/// Writes `contents` to `path` under the rules above (checking them again).
void write_output_file(const std::string& path, const std::string& contents,
                       const std::vector<std::string>& inputs = {});

/// Whether two paths name the same existing file or folder (after links); false when either does not exist.
bool same_file(const std::string& a, const std::string& b);

/// Whether the existing file or folder `path` is `dir` or lies somewhere under it (canonical paths compared, so
/// links and "..": are resolved); false when either does not exist.
bool is_within(const std::string& path, const std::string& dir);

}  // namespace cords
