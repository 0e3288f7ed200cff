#include "cli/common.h"

#include <unistd.h>

#include <algorithm>
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
  static const std::string text = [] {
    std::string t = "Exit codes:\n  0  success\n";
    for (const auto& k : error_kinds()) t += "  " + std::to_string(exit_code(k.kind)) + "  " + k.meaning + "\n";
    return t;
  }();
  return text.c_str();
}

std::string alternatives(const std::vector<std::string>& names) {
  return name_list(names, " | ");
}

int resolve_threads(long long requested, const char* option) {
  if (requested < 0)
    throw invalid_argument(std::string(option) + " must be >= 0 (0 = all cores), got " + std::to_string(requested));
  const long cpus = std::max(1L, ::sysconf(_SC_NPROCESSORS_ONLN));
  return static_cast<int>(std::min<long long>(requested, cpus));
}

select::Budget budget_option(bool budget_given, std::optional<long long> k, std::optional<double> fraction) {
  if (fraction && budget_given) throw invalid_argument("give either --budget or --fraction, not both");
  try {
    if (k) return select::Budget::count(*k);
    if (fraction) return select::Budget::fraction(*fraction);
  } catch (const Error& e) {
    throw invalid_argument(std::string("--") + e.what());
  }
  return {};
}

Progress::Progress(std::string label, bool quiet)
    : label_(std::move(label)), quiet_(quiet), tty_(::isatty(STDERR_FILENO) != 0) {}

// The ETA comes from the rate since this stage's first report (not since the object was made: the writing stage's
// meter exists while decoding runs, and its first ETA said 84 s for a 2 s stage), and only once work was done since.
void Progress::update(long long done, long long total) {
  if (quiet_ || total <= 0) return;
  const double t = now_s();
  if (first_done_ < 0) {
    first_done_ = done;
    first_at_ = t;
  }
  const double frac = static_cast<double>(done) / static_cast<double>(total);
  const double elapsed = t - first_at_;
  const long long since = done - first_done_;
  char eta[48] = "";
  if (since > 0 && done < total)
    std::snprintf(eta, sizeof eta, ", ETA %.0fs",
                  (t - first_at_) / static_cast<double>(since) * static_cast<double>(total - done));
  if (tty_) {
    const int width = 30, filled = static_cast<int>(frac * width);
    std::fprintf(stderr, "\r%s [%.*s%*s] %lld/%lld  %.0f%%%s ", label_.c_str(), filled,
                 "##############################", width - filled, "", done, total, 100.0 * frac, eta);
  } else {
    if (elapsed < 2.0) return;  // short work needs no progress lines in logs
    const int decile = static_cast<int>(frac * 10);
    if (decile == last_decile_) return;
    last_decile_ = decile;
    std::fprintf(stderr, "%s: %lld/%lld (%.0f%%)%s\n", label_.c_str(), done, total, 100.0 * frac, eta);
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

namespace {

std::string cli_flag(const std::string& name) {
  std::string f = "--" + name;
  std::replace(f.begin(), f.end(), '_', '-');
  return f;
}

std::string cli_flag_value(const std::string& name, const std::string& value) {
  return cli_flag(name) + " " + value;
}

}  // namespace

void use_cli_spelling() {
  set_parameter_spelling({cli_flag, cli_flag_value});
}

}  // namespace cords::cli
