#pragma once
// A worker process that the caller talks to through two pipes, for work that must not take the caller down with it
// (batch mode: one video's crash, hang or memory exhaustion costs that video, not the batch).
//
// The worker is a fresh program (fork + exec of `argv`, never a fork of the caller's threads); it reads requests on
// descriptor 3 and writes replies on descriptor 4 (kRequestFd, kReplyFd), each a message framed by its length, so
// that any bytes (file names that are not UTF-8 included) pass unchanged. Its standard input is /dev/null; standard
// output and error are the caller's. The caller sees what ended it: an exit code, or a signal by name. A worker gets
// SIGTERM when the thread that started it ends, or its process dies (kill -9 of a batch leaves no worker behind).
#include <sys/types.h>

#include <string>
#include <vector>

namespace cords {

/// The descriptors a worker reads requests from and writes replies to.
constexpr int kRequestFd = 3, kReplyFd = 4;

/// How a process ended: its exit code, or the signal that killed it.
struct ProcessEnd {
  bool signalled = false;
  int code = 0;    ///< exit code (when !signalled)
  int signal = 0;  ///< (when signalled)
  /// "exit code 3", or "killed by signal 11 (SIGSEGV, segmentation fault)".
  std::string describe() const;
};

/// "SIGSEGV, segmentation fault" for 11: the signal's name and what it means to a user.
std::string signal_description(int sig);

/// One framed message on a descriptor: 8 bytes of length (little-endian), then the bytes. False when the other end is
/// gone (EPIPE, a closed descriptor).
bool write_message(int fd, const std::string& message);

/// What read_message got.
enum class MessageRead { Message, Closed, Timeout };

/// Reads one framed message (at most `max_bytes`; a longer one counts as Closed: the peer is not speaking the
/// protocol). Waits at most `timeout_s` seconds for the first byte (a negative timeout waits for ever).
MessageRead read_message(int fd, std::string& message, double timeout_s, std::size_t max_bytes = 64u << 20);

class WorkerProcess {
 public:
  /// Starts argv[0] (an absolute path) with those arguments. Throws Error{Internal} when it cannot be started.
  explicit WorkerProcess(const std::vector<std::string>& argv);
  /// Kills the worker (SIGKILL) if it is still running, and reaps it.
  ~WorkerProcess();
  WorkerProcess(const WorkerProcess&) = delete;
  WorkerProcess& operator=(const WorkerProcess&) = delete;

  pid_t pid() const { return pid_; }
  /// Sends a request; false when the worker is gone.
  bool send(const std::string& message) { return write_message(to_, message); }
  /// The next reply, waiting at most timeout_s seconds.
  MessageRead receive(std::string& message, double timeout_s) { return read_message(from_, message, timeout_s); }
  /// Waits for the worker to end (after its reply pipe closed) and says how it ended.
  ProcessEnd wait();
  /// SIGKILL, then wait().
  ProcessEnd kill();

 private:
  pid_t pid_ = -1;
  int to_ = -1, from_ = -1;
  bool reaped_ = false;
  ProcessEnd end_;
};

}  // namespace cords
