#include "cli/common.h"

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "cords/core/error.h"

namespace cords::cli {
namespace {
double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
}  // namespace

const char* exit_code_help() {
  return "Exit codes:\n"
         "  0  success\n"
         "  1  internal error\n"
         "  2  invalid arguments (bad option or value, unknown name, budget larger than the input, NaN in data)\n"
         "  3  input unreadable (missing file, directory, malformed or truncated file)\n"
         "  4  model unusable\n"
         "  5  output unwritable\n"
         "  6  batch finished with failures\n";
}

void check_output_writable(const std::string& path) {
  namespace fs = std::filesystem;
  if (path.empty() || path == "-") return;
  std::error_code ec;
  if (fs::is_directory(path, ec)) throw output_unwritable("cannot write '" + path + "': it is a directory");
  fs::path dir = fs::path(path).parent_path();
  if (dir.empty()) dir = ".";
  if (!fs::is_directory(dir, ec)) throw output_unwritable("cannot write '" + path + "': directory '" + dir.string() + "' does not exist");
  if (::access(dir.c_str(), W_OK) != 0)
    throw output_unwritable("cannot write '" + path + "': directory '" + dir.string() + "' is not writable: " + std::strerror(errno));
}

Progress::Progress(std::string label, bool quiet)
    : label_(std::move(label)), quiet_(quiet), tty_(::isatty(STDERR_FILENO) != 0), start_(now_s()) {}

void Progress::update(long long done, long long total) {
  if (quiet_ || total <= 0) return;
  const double frac = static_cast<double>(done) / static_cast<double>(total);
  const double elapsed = now_s() - start_;
  const double eta = frac > 0 ? elapsed * (1.0 - frac) / frac : 0.0;
  if (tty_) {
    const int width = 30, filled = static_cast<int>(frac * width);
    std::fprintf(stderr, "\r%s [%.*s%*s] %lld/%lld  %.0f%%  ETA %.0fs ", label_.c_str(), filled,
                 "##############################", width - filled, "", done, total, 100.0 * frac, eta);
  } else {
    if (elapsed < 2.0) return;  // short work needs no progress lines in logs
    const int decile = static_cast<int>(frac * 10);
    if (decile == last_decile_) return;
    last_decile_ = decile;
    std::fprintf(stderr, "%s: %lld/%lld (%.0f%%), ETA %.0fs\n", label_.c_str(), done, total, 100.0 * frac, eta);
  }
  std::fflush(stderr);
}

void Progress::finish() {
  if (!quiet_ && tty_) std::fprintf(stderr, "\n");
}

std::string fmt(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

void info(bool quiet, const std::string& message) {
  if (!quiet) std::fprintf(stderr, "cords-summarize: %s\n", message.c_str());
}

}  // namespace cords::cli
