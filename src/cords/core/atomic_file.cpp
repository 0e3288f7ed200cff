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
  std::string name = "." + p.filename().string() + ".tmp-" + std::to_string(::getpid()) + "-" +
                     std::to_string(g_counter.fetch_add(1));
  return (p.parent_path() / name).string();
}

[[noreturn]] void fail(const std::string& path, const std::string& what, int err) {
  throw output_unwritable("cannot write '" + path + "': " + what + (err ? std::string(": ") + std::strerror(err) : ""));
}
}  // namespace

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)), temp_(temp_name_for(path_)) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::is_directory(path_, ec)) fail(path_, "it is a directory", 0);
  file_ = std::fopen(temp_.c_str(), "wb");
  if (!file_) fail(path_, "cannot create a file in its directory", errno);
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
}

void write_file_atomic(const std::string& path, const std::string& contents) {
  AtomicFile f(path);
  f.write(contents);
  f.commit();
}

}  // namespace cords
