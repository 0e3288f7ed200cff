#include "cords/core/atomic_file.h"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "cords/core/error.h"

namespace cords {
namespace {
std::atomic<unsigned> g_counter{0};

std::string temp_name_for(const std::string& path) {
  namespace fs = std::filesystem;
  fs::path p(path);
  std::string name =
      "." + p.filename().string() + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(g_counter.fetch_add(1));
  return (p.parent_path() / name).string();
}

[[noreturn]] void fail(const std::string& path, const std::string& what, int err) {
  throw output_unwritable("cannot write '" + path + "': " + what + (err ? std::string(": ") + std::strerror(err) : ""));
}
}  // namespace

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)), temp_(temp_name_for(path_)) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status st = fs::symlink_status(path_, ec);
  if (st.type() == fs::file_type::directory) fail(path_, "it is a directory", 0);
  // Only regular files (or nothing) are swapped: renaming over a device node, a FIFO or a link would replace it.
  if (st.type() != fs::file_type::not_found && st.type() != fs::file_type::regular &&
      st.type() != fs::file_type::unknown)
    fail(path_, "it is not a regular file", 0);
  // Created and registered together: an interruption in between would leave the file behind.
  const auto hold = defer_interrupt_cleanup();
  file_ = std::fopen(temp_.c_str(), "wbx");
  if (!file_) fail(path_, "cannot create a file in its directory", errno);
  registration_ = TempRegistration(temp_);
}

AtomicFile::~AtomicFile() {
  if (file_) std::fclose(file_);
  if (!committed_) std::remove(temp_.c_str());
}

void AtomicFile::write(const void* data, std::size_t size) {
  if (!file_) fail(path_, "file already committed", 0);
  if (size && std::fwrite(data, 1, size, file_) != size) fail(path_, "write failed", errno);
}

void AtomicFile::commit() {
  if (!file_) fail(path_, "file already committed", 0);
  if (std::fflush(file_) != 0) fail(path_, "flush failed", errno);
  if (::fsync(::fileno(file_)) != 0) fail(path_, "fsync failed", errno);
  const int rc = std::fclose(file_);
  file_ = nullptr;
  if (rc != 0) fail(path_, "close failed", errno);
  if (std::rename(temp_.c_str(), path_.c_str()) != 0) fail(path_, "rename failed", errno);
  committed_ = true;
  registration_.release();
}

void remove_stale_atomic_temporaries(const std::string& path) {
  namespace fs = std::filesystem;
  const fs::path p(path);
  const std::string prefix = "." + p.filename().string() + ".tmp-";
  std::error_code ec;
  const fs::path dir = p.parent_path().empty() ? fs::path(".") : p.parent_path();
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) continue;
    // "<pid>-<counter>", digits only, and a regular file (never a link or a folder).
    const std::string rest = name.substr(prefix.size());
    const std::size_t dash = rest.find('-');
    if (dash == 0 || dash == std::string::npos || dash + 1 == rest.size() || dash > 10) continue;
    if (rest.find_first_not_of("0123456789-") != std::string::npos || rest.find('-', dash + 1) != std::string::npos)
      continue;
    if (e.symlink_status(ec).type() != fs::file_type::regular) continue;
    if (!process_alive(std::stol(rest.substr(0, dash)))) fs::remove(e.path(), ec);
  }
}

void write_file_atomic(const std::string& path, const std::string& contents) {
  remove_stale_atomic_temporaries(path);
  AtomicFile f(path);
  f.write(contents);
  f.commit();
}

}  // namespace cords
