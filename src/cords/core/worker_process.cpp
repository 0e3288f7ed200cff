#include "cords/core/worker_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>

#include "cords/core/error.h"

namespace cords {
namespace {

bool write_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

// Reads exactly `size` bytes; false at the end of the stream or on an error.
bool read_all(int fd, char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t n = ::read(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

// Whether `fd` has something to read (or was closed) within timeout_s; negative: wait for ever.
bool readable(int fd, double timeout_s) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(std::max(0.0, timeout_s));
  while (true) {
    int ms = -1;
    if (timeout_s >= 0) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      ms = static_cast<int>(std::max<long long>(0, std::min<long long>(left.count(), 1 << 30)));
    }
    pollfd p{fd, POLLIN, 0};
    const int r = ::poll(&p, 1, ms);
    if (r > 0) return true;
    if (r == 0) return false;
    if (errno != EINTR) return true;  // let read() report the error
  }
}

ProcessEnd end_of(int status) {
  ProcessEnd e;
  if (WIFSIGNALED(status)) {
    e.signalled = true;
    e.signal = WTERMSIG(status);
  } else {
    e.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  return e;
}

}  // namespace

std::string signal_description(int sig) {
  const char* name = sigabbrev_np(sig);
  const char* what = sigdescr_np(sig);
  std::string s = name ? std::string("SIG") + name : "signal " + std::to_string(sig);
  if (what) {
    std::string w = what;
    if (!w.empty()) w[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(w[0])));
    s += ", " + w;
  }
  return s;
}

std::string ProcessEnd::describe() const {
  if (!signalled) return "exit code " + std::to_string(code);
  return "killed by signal " + std::to_string(signal) + " (" + signal_description(signal) + ")";
}

bool write_message(int fd, const std::string& message) {
  char head[8];
  std::uint64_t n = message.size();
  for (char& b : head) {
    b = static_cast<char>(n & 0xff);
    n >>= 8;
  }
  return write_all(fd, head, sizeof head) && write_all(fd, message.data(), message.size());
}

MessageRead read_message(int fd, std::string& message, double timeout_s, std::size_t max_bytes) {
  if (!readable(fd, timeout_s)) return MessageRead::Timeout;
  unsigned char head[8];
  if (!read_all(fd, reinterpret_cast<char*>(head), sizeof head)) return MessageRead::Closed;
  std::uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | head[i];
  if (n > max_bytes) return MessageRead::Closed;
  message.assign(static_cast<std::size_t>(n), '\0');
  return read_all(fd, message.data(), message.size()) ? MessageRead::Message : MessageRead::Closed;
}

WorkerProcess::WorkerProcess(const std::vector<std::string>& argv) {
  if (argv.empty() || argv[0].empty() || argv[0][0] != '/')
    throw Error(ErrorKind::Internal, "a worker process needs an absolute program path");
  int requests[2], replies[2];
  if (::pipe2(requests, O_CLOEXEC) != 0) throw Error(ErrorKind::Internal, "cannot create a pipe for a worker");
  if (::pipe2(replies, O_CLOEXEC) != 0) {
    ::close(requests[0]);
    ::close(requests[1]);
    throw Error(ErrorKind::Internal, "cannot create a pipe for a worker");
  }
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  const pid_t parent = ::getpid();
  pid_ = ::fork();
  if (pid_ == 0) {  // the child: async-signal-safe calls only, up to exec
    // A worker does not outlive the thread that started it (nor its process, killed with SIGKILL): SIGTERM then,
    // which removes what it was writing (cleanup.h) instead of finishing a summary nobody waits for.
    if (::prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || ::getppid() != parent) ::_exit(127);
    // Moved above 4 first, so that the dup2 calls below cannot overwrite one another.
    const int in = ::fcntl(requests[0], F_DUPFD, 10), out = ::fcntl(replies[1], F_DUPFD, 10);
    if (in < 0 || out < 0 || ::dup2(in, kRequestFd) < 0 || ::dup2(out, kReplyFd) < 0) ::_exit(127);
    if (null_fd >= 0) ::dup2(null_fd, 0);
    ::close(in);
    ::close(out);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  const int fork_errno = errno;
  if (null_fd >= 0) ::close(null_fd);
  ::close(requests[0]);
  ::close(replies[1]);
  to_ = requests[1];
  from_ = replies[0];
  if (pid_ < 0) {
    ::close(to_);
    ::close(from_);
    throw Error(ErrorKind::Internal, std::string("cannot start a worker process: ") + std::strerror(fork_errno));
  }
}

WorkerProcess::~WorkerProcess() {
  if (!reaped_) kill();
  if (to_ >= 0) ::close(to_);
  if (from_ >= 0) ::close(from_);
}

ProcessEnd WorkerProcess::wait() {
  if (reaped_) return end_;
  if (to_ >= 0) {  // no more requests: a worker waiting for one sees the end and exits
    ::close(to_);
    to_ = -1;
  }
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  reaped_ = true;
  end_ = end_of(status);
  return end_;
}

ProcessEnd WorkerProcess::kill() {
  if (!reaped_) ::kill(pid_, SIGKILL);
  return wait();
}

}  // namespace cords
