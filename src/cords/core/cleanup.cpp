#include "cords/core/cleanup.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

namespace cords {
namespace {

struct Registry {
  std::recursive_mutex m;
  std::map<std::uint64_t, std::string> paths;
  std::uint64_t next = 1;
};

Registry& registry() {
  static Registry* r = new Registry;  // never destroyed: the signal thread may use it while main() returns
  return *r;
}

// Another thread may be writing into a registered folder: retry a few times when it was not yet empty.
void remove_paths(const std::vector<std::string>& paths) {
  for (const auto& path : paths)
    for (int attempt = 0; attempt < 5; ++attempt) {
      std::error_code ec;
      std::filesystem::remove_all(path, ec);
      if (!ec) break;
    }
}

}  // namespace

TempRegistration::TempRegistration(std::string path) {
  Registry& r = registry();
  std::lock_guard<std::recursive_mutex> g(r.m);
  id_ = r.next++;
  r.paths.emplace(id_, std::move(path));
}

TempRegistration::~TempRegistration() {
  release();
}

TempRegistration::TempRegistration(TempRegistration&& other) noexcept : id_(other.id_) {
  other.id_ = 0;
}

TempRegistration& TempRegistration::operator=(TempRegistration&& other) noexcept {
  if (this != &other) {
    release();
    id_ = other.id_;
    other.id_ = 0;
  }
  return *this;
}

void TempRegistration::release() {
  if (id_ == 0) return;
  Registry& r = registry();
  std::lock_guard<std::recursive_mutex> g(r.m);
  r.paths.erase(id_);
  id_ = 0;
}

namespace {
int g_wake[2] = {-1, -1};  // the handler writes the signal's number here; the cleanup thread reads it

extern "C" void on_interrupt(int sig) {
  const unsigned char b = static_cast<unsigned char>(sig);
  const int saved = errno;
  [[maybe_unused]] const ssize_t n = ::write(g_wake[1], &b, 1);  // async-signal-safe; the thread does the rest
  errno = saved;
}
}  // namespace

void occupy_standard_descriptors() {
  for (int fd = 0; fd <= 2; ++fd) {
    if (::fcntl(fd, F_GETFD) != -1 || errno != EBADF) continue;
    // open() returns the lowest free descriptor: this one, since those below it are open by now.
    const int got = ::open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
    if (got >= 0 && got != fd) ::close(got);  // not ours to keep (someone else took fd meanwhile)
  }
}

void install_interrupt_cleanup() {
  static std::once_flag once;
  std::call_once(once, [] {
    // A closed standard descriptor would be handed to the pipe below, and every message to stderr would then wake
    // the watcher as a "signal" (exit 227/228 with `2>&-`). Occupied first, and the pipe's ends moved above 2 anyway.
    occupy_standard_descriptors();
    // A handler rather than sigwait(): libraries start threads before main() (OpenBLAS's pool), and a signal may
    // be delivered to any of them.
    if (::pipe2(g_wake, O_CLOEXEC) != 0) return;
    for (int& end : g_wake)
      if (end <= 2) {
        const int moved = ::fcntl(end, F_DUPFD_CLOEXEC, 3);
        ::close(end);
        end = moved;
      }
    if (g_wake[0] < 0 || g_wake[1] < 0) return;
    std::thread([] {
      unsigned char sig = 0;
      while (::read(g_wake[0], &sig, 1) != 1) {
      }
      Registry& r = registry();
      r.m.lock();  // held until _exit: nothing registers or renames into place after this point
      const bool any = !r.paths.empty();
      // Twice: a thread still writing may have created a file in a folder between the first pass's listing and
      // its removal; the second pass, a moment later, finds what such a write left.
      std::vector<std::string> paths;
      for (const auto& [id, path] : r.paths) paths.push_back(path);
      remove_paths(paths);
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      remove_paths(paths);
      std::fprintf(stderr, "\ncords-summarize: interrupted (signal %d)%s\n", sig,
                   any ? "; temporary files removed, nothing was left half-written" : "");
      std::fflush(stderr);
      ::_exit(128 + sig);
    }).detach();
    struct sigaction sa {};
    sa.sa_handler = on_interrupt;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    for (int sig : {SIGINT, SIGTERM, SIGHUP}) ::sigaction(sig, &sa, nullptr);
  });
}

std::unique_lock<std::recursive_mutex> defer_interrupt_cleanup() {
  return std::unique_lock<std::recursive_mutex>(registry().m);
}

bool process_alive(long pid) {
  if (pid <= 0 || pid == static_cast<long>(::getpid())) return false;
  return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

}  // namespace cords
